"""Order numbers."""

from orders.models import NUMBER_ALPHABET, NUMBER_LENGTH, new_order_number


def test_order_numbers_use_every_character_of_the_alphabet_in_every_place():
    """Twelve characters of the phone-safe alphabet, each place drawing from all of it
    (one random draw written in the alphabet's base: no place left fixed or short)."""
    numbers = [new_order_number() for _ in range(3000)]
    assert all(len(n) == NUMBER_LENGTH for n in numbers)
    for place in range(NUMBER_LENGTH):
        assert {n[place] for n in numbers} == set(NUMBER_ALPHABET)
    assert len(set(numbers)) == len(numbers)
