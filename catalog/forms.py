from django import forms

SORT_CHOICES = [
    ("newest", "Newest"),
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("name", "Name"),
]


class CatalogQueryForm(forms.Form):
    """The catalog's search box and sort menu; bad values fall back to the defaults."""

    q = forms.CharField(
        label="Search products", required=False, max_length=100, strip=True
    )
    sort = forms.ChoiceField(label="Sort by", choices=SORT_CHOICES, required=False)

    def cleaned(self) -> tuple[str, str]:
        if self.is_valid():
            return self.cleaned_data["q"], self.cleaned_data["sort"] or "newest"
        return "", "newest"
