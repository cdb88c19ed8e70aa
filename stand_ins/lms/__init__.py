"""Real HTTP servers on 127.0.0.1 that speak as an LMS does: Moodle web services, a JWKS endpoint,
an xAPI LRS, Canvas REST, TalentLMS, Google Forms, Docebo, Kajabi and Cornerstone; one module per system."""

from .canvas import CanvasRestServer, JwksServer
from .cornerstone import CornerstoneServer
from .docebo import DoceboServer
from .google_forms import GoogleFormsServer
from .kajabi import KajabiServer
from .moodle import CAPABILITY_REFUSALS, MEASURED_MINIMUM, MoodleWebServices, moodle_course_completed, php_json
from .talentlms import TalentLmsServer
from .xapi import LrsServer

__all__ = ["CAPABILITY_REFUSALS", "CanvasRestServer", "CornerstoneServer", "DoceboServer", "GoogleFormsServer", "JwksServer", "KajabiServer", "LrsServer", "MEASURED_MINIMUM", "MoodleWebServices",
           "TalentLmsServer", "moodle_course_completed", "php_json"]
