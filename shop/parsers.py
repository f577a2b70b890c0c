"""The API's request parser."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser


class JSONParser(DRFJSONParser):
    """DRF's JSON parser, with JSON nested deeper than Python's recursion limit (a body
    of a hundred thousand ``[``, well under the size limit) refused as a parse error:
    the standard decoder raises RecursionError there, which would be a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
