"""The staff API's JSON parser: the one bounded parse every Laurel endpoint uses, as a DRF parser.

DRF's own JSONParser turns only ValueError into a 400; JSON nested past the interpreter's
recursion limit raised RecursionError, a 500. This reads the body with the same limits as a
webhook (256 KiB, 32 levels, storable text) and answers 400 or 413 naming what is wrong.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from ...bodies import BodyRefused, json_request_parse


class BodyTooLarge(ParseError):
    status_code = 413


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        try:
            return json_request_parse(body, empty={})
        except BodyRefused as exc:
            raise (BodyTooLarge if exc.status == 413 else ParseError)(exc.detail) from None
