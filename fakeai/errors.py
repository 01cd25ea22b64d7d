"""APIError and the catalog of the real API's exact error messages.

Every refusal fakeai sends is built here, so the wording lives in one place (api-notes §10 numbers
are cited as E1, E2, ...). Messages the notes mark *unverified* follow the notes' recommendation and
are listed in README "Unverified behaviour"; changing one is a one-line edit in this module.
Tests assert against these same functions.
"""

from __future__ import annotations

INVALID_REQUEST = "invalid_request_error"
API_KEYS_URL = "https://platform.openai.com/account/api-keys"


class APIError(Exception):
    """An error the API answers with; renders itself as the {"error": {...}} envelope."""

    status = 400

    def __init__(self, message: str, *, type: str = INVALID_REQUEST, param: str | None = None,
                 code: str | None = None, status: int | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers or {}
        if status is not None:
            self.status = status

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param,
                          "code": self.code}}


class BadRequestError(APIError):
    status = 400


class AuthenticationError(APIError):
    status = 401


class NotFoundError(APIError):
    status = 404


class EmulatorBug(BaseException):
    """Something went wrong inside fakeai itself, raised into the test that hit it.

    A BaseException on purpose: the openai SDK turns ordinary exceptions raised by a transport into
    retried APIConnectionErrors, which would hide the cause from the test.
    """


class FakeaiWarning(UserWarning):
    """Something a test most likely did not mean, though a real API would allow it (e.g. a run on
    function tools that replied with fakeai's default text because nothing was scripted)."""


class ContractViolation(EmulatorBug):
    """fakeai produced a body its own schema refuses: a bug in fakeai, never in the test."""


# --- authentication and headers (E11-E14, E32) ------------------------------------------------

def missing_api_key() -> APIError:  # E11, verified
    return AuthenticationError(
        "You didn't provide an API key. You need to provide your API key in an Authorization header "
        "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
        "username) if you're accessing the API from your browser and are prompted for a username and "
        f"password. You can obtain an API key from {API_KEYS_URL}.")


#: The real API shows the first 8 characters and the last 4 of a wrong key, stars in between (E12).
MASK_PREFIX, MASK_SUFFIX = 8, 4


def mask_api_key(key: str) -> str:
    """A key as the real API shows it in E12: its first 8 and last 4 characters, one star for each
    character between. Never more than half of a key shows: one too short for that (under 24
    characters) shows only its first 2 characters (none under 4), then stars."""
    if not key:
        return "''"
    if len(key) >= 2 * (MASK_PREFIX + MASK_SUFFIX):
        return key[:MASK_PREFIX] + "*" * (len(key) - MASK_PREFIX - MASK_SUFFIX) + key[-MASK_SUFFIX:]
    shown = 2 if len(key) >= 4 else 0
    return key[:shown] + "*" * (len(key) - shown)


def incorrect_api_key(key: str) -> APIError:  # E12, verified
    return AuthenticationError(
        f"Incorrect API key provided: {mask_api_key(key)}. You can find your API key at {API_KEYS_URL}.",
        code="invalid_api_key")


def missing_beta_header() -> APIError:  # E13, verified
    return BadRequestError(
        "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by "
        "setting the header 'OpenAI-Beta: assistants=v2'.", code="invalid_beta")


def v1_beta_header() -> APIError:  # E14, verified
    return BadRequestError(
        "The v1 Assistants API has been deprecated. Please try again by setting the header "
        "'OpenAI-Beta: assistants=v2'. See the migration guide for more information: "
        "https://platform.openai.com/docs/assistants/migration.", code="invalid_beta")


def listing_threads_needs_session_key() -> APIError:  # E32, verified (2023)
    return AuthenticationError(
        "Your request to GET /v1/threads must be made with a session key (that is, it can only be "
        "made from the browser). You made it with the following key type: secret.",
        code="missing_scope")


# --- routing ------------------------------------------------------------------------------------

def invalid_url(method: str, path: str) -> APIError:
    """Unknown path or wrong method under /v1 (observed bodies: 'Invalid URL (POST /v1/...)')."""
    return NotFoundError(f"Invalid URL ({method} {path})")


def unknown_url(method: str, path: str) -> APIError:
    """A path outside /v1/ (observed: code 'unknown_url', 'Unknown request URL: POST /v1. ...')."""
    return NotFoundError(
        f"Unknown request URL: {method} {path}. Please check the URL for typos, or see the docs at "
        "https://platform.openai.com/docs/api-reference/.", code="unknown_url")


# --- not found (E1-E5) --------------------------------------------------------------------------

#: What each kind of object is called in the 404 message (E3-E5 unverified: the E1/E2 pattern).
OBJECT_NAMES = {"thread": "thread", "assistant": "assistant", "message": "message", "run": "run",
                "step": "run step", "vector_store": "vector store",  # F8: message observed (weakly)
                "file_batch": "vector store file batch",  # F14: inferred from F8
                "upload": "upload"}  # F16: unverified


def not_found(kind: str, object_id: str, param: str | None = None) -> APIError:
    """``param``: where a request body named the missing object (unverified; None for path ids)."""
    return NotFoundError(f"No {OBJECT_NAMES[kind]} found with id '{object_id}'.", param=param)


def model_not_for_assistants(model: str) -> APIError:  # E28, verified
    return BadRequestError(f"The requested model '{model}' cannot be used with the Assistants API.", param="model",
                           code="unsupported_model")


def model_not_found(model: str) -> APIError:  # E27: message verified; param/code recommended
    return BadRequestError(f"The requested model '{model}' does not exist.", param="model",
                           code="model_not_found")


# --- runs (E6-E10) ------------------------------------------------------------------------------

def cannot_add_messages(thread_id: str, run_id: str) -> APIError:  # E6, verified
    return BadRequestError(f"Can't add messages to {thread_id} while a run {run_id} is active.")


def thread_has_active_run(thread_id: str, run_id: str) -> APIError:  # E7; type/param/code recommended
    return BadRequestError(f"Thread {thread_id} already has an active run {run_id}.")


def run_does_not_accept_tool_outputs(status: str) -> APIError:  # E8, verified
    return BadRequestError(f'Runs in status "{status}" do not accept tool outputs.')


def tool_outputs_mismatch(expected: list, given: list) -> APIError:  # E9, verified (Python list style)
    return BadRequestError(f"Expected tool outputs for call_ids {expected}, got {given}")


def cannot_cancel(status: str) -> APIError:  # E10; trailing period unverified
    return BadRequestError(f"Cannot cancel run with status '{status}'.")


# --- request validation (E15-E26) ---------------------------------------------------------------

def invalid_id_prefix(name: str, value: str, prefix: str) -> APIError:  # E26; param/code recommended
    return BadRequestError(f"Invalid '{name}': '{value}'. Expected an ID that begins with '{prefix}'.",
                           param=name, code="invalid_value")


def unknown_parameter(path: str) -> APIError:  # E15
    return BadRequestError(f"Unknown parameter: '{path}'.", param=path, code="unknown_parameter")


def missing_required_parameter(path: str) -> APIError:  # E16
    return BadRequestError(f"Missing required parameter: '{path}'.", param=path,
                           code="missing_required_parameter")


def invalid_type(path: str, expected: str, got: str) -> APIError:  # E17
    return BadRequestError(f"Invalid type for '{path}': expected {expected}, but got {got} instead.",
                           param=path, code="invalid_type")


def too_many_properties(path: str, limit: int, count: int) -> APIError:  # E18
    return BadRequestError(
        f"Invalid '{path}': too many properties. Expected an object with at most {limit} properties, "
        f"but got an object with {count} properties instead.", param=path,
        code="object_above_max_properties")


def string_too_long(path: str, limit: int, length: int) -> APIError:  # E19
    return BadRequestError(
        f"Invalid '{path}': string too long. Expected a string with maximum length {limit}, but got a "
        f"string with length {length} instead.", param=path, code="string_above_max_length")


def property_name_too_long(path: str, key: str, limit: int) -> APIError:  # E20
    return BadRequestError(
        f"Invalid property name in '{path}': '{key}' is too long. Expected a string with maximum length "
        f"{limit}, but got a string with length {len(key)} instead.", param=f"{path}.{key}",
        code="property_name_above_max_length")


def array_too_long(path: str, limit: int, length: int) -> APIError:  # E24
    return BadRequestError(
        f"Invalid '{path}': array too long. Expected an array with maximum length {limit}, but got an "
        f"array with length {length} instead.", param=path, code="array_above_max_length")


def too_short(path: str, kind: str, limit: int, length: int) -> APIError:  # E25
    """``kind`` 'string' or 'array'; a length of 0 is the API's empty_string / empty_array."""
    if length == 0:
        return BadRequestError(
            f"Invalid '{path}': empty {kind}. Expected {'an' if kind == 'array' else 'a'} {kind} with "
            f"minimum length {limit}, but got an empty {kind} instead.", param=path, code=f"empty_{kind}")
    return BadRequestError(
        f"Invalid '{path}': {kind} too short. Expected {'an' if kind == 'array' else 'a'} {kind} with "
        f"minimum length {limit}, but got {'an' if kind == 'array' else 'a'} {kind} with length {length} "
        "instead.", param=path, code=f"{kind}_below_min_length")


def number_out_of_range(path: str, value, limit, *, above: bool, integer: bool) -> APIError:  # E21/E22
    """``integer``: the parameter is typed integer (limit); number parameters say 'decimal'."""
    kind = "integer" if integer else "decimal"
    side, relation = ("above maximum", "<=") if above else ("below minimum", ">=")
    return BadRequestError(
        f"Invalid '{path}': {kind} {side} value. Expected a value {relation} {limit}, but got {value} "
        "instead.", param=path, code=f"{kind}_{'above_max' if above else 'below_min'}_value")


def pattern_mismatch(path: str, value: str, pattern: str) -> APIError:
    """A string outside its documented character set (e.g. function names); wording unverified."""
    return BadRequestError(
        f"Invalid '{path}': string does not match pattern. Expected a string that matches the pattern "
        f"'{pattern}'.", param=path, code="invalid_value")


def invalid_value(path: str, value, allowed) -> APIError:  # E23
    return BadRequestError(f"Invalid value: {quote(value)}. Supported values are: {spoken_list(allowed)}.",
                           param=path, code="invalid_value")


def mutually_exclusive(path: str, names) -> APIError:
    """Both keys of a spec 'exactly one of' pair were given; wording unverified."""
    listed = " or ".join(f"'{name}'" for name in names)
    if not path:
        return BadRequestError(f"Provide only one of {listed}.", param=names[0], code="invalid_value")
    return BadRequestError(f"Invalid '{path}': provide only one of {listed}.", param=path,
                           code="invalid_value")


def unknown_cursor(name: str, value: str) -> APIError:
    """An after/before id that was never in the list (api-notes open question 3: unverified).

    Ids of objects deleted since are still honoured as positions; only never-seen ids get this.
    """
    return BadRequestError(f"Invalid '{name}': no object with id '{value}' in this list.", param=name,
                           code="invalid_value")


def invalid_json() -> APIError:
    """Body that is not JSON: the real API's text for a JSON string holding a raw tab (a body its
    parser refused; kdalanon/ChatGPT-AutoHotkey-Utility #14, 2024). fakeai also answers it for
    invalid UTF-8, a lone surrogate escape and a number too large to be finite (unverified)."""
    return BadRequestError(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
        "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
        "valid JSON. If you have trouble figuring out how to fix this, please contact us through our "
        "help center at help.openai.com.)")


def body_too_deep(limit: int) -> APIError:
    """Arrays and objects nested deeper than fakeai reads (fakeai wording and limit, unverified)."""
    return BadRequestError(f"The JSON body of your request is nested too deeply: at most {limit} levels of "
                           "arrays and objects are accepted.")


def body_too_large(limit: int, size: int) -> APIError:
    """A body over the request size limit, in the words the API answered an oversized upload with
    (413, type server_error: chidiwilliams/buzz #381, StanGirard/speechdigest #1, 2023). ``size``: the
    Content-Length, or the bytes read of a chunked body when the limit was passed. The limits of
    the Assistants endpoints are not on record (fakeai's, unverified)."""
    return APIError(f"Maximum content size limit ({limit}) exceeded ({size} bytes read)", type="server_error",
                    status=413)


def invalid_content_length(value: str) -> APIError:
    """A Content-Length that is not a whole number of bytes (fakeai wording, unverified)."""
    return BadRequestError(f"Invalid Content-Length header ({value!r}): expected a whole number of bytes.")


def body_incomplete(declared: int | None, received: int) -> APIError:
    """A body that ended before its Content-Length (or its last chunk): the client went away, and the
    request is not executed (fakeai wording, unverified)."""
    if declared is None:
        return BadRequestError("The chunked request body ended before its last chunk, or a chunk was malformed; "
                               "the request was not executed.")
    return BadRequestError(f"The request body ended after {received} bytes, before the {declared} bytes its "
                           "Content-Length announced; the request was not executed.")


def body_not_an_object(got: str) -> APIError:
    return BadRequestError(f"Invalid type for request body: expected an object, but got {got} instead.",
                           code="invalid_type")


def unsupported_content_type(content_type: str) -> APIError:
    return BadRequestError(
        f"Invalid Content-Type header ({content_type}), expected application/json. (HINT: If you're "
        "using curl, you can pass in `-H 'Content-Type: application/json'` to fix this.)")


# --- files, uploads and vector stores (files-vector-stores F1-F20) ------------------------------

#: Extensions an ``assistants`` upload may have (F5: openai-dotnet #270, Oct 2024).
ASSISTANTS_EXTENSIONS = ("c", "cpp", "css", "csv", "docx", "gif", "go", "html", "java", "jpeg", "jpg", "js",
                         "json", "md", "pdf", "php", "pkl", "png", "pptx", "py", "rb", "tar", "tex", "ts",
                         "txt", "webp", "xlsx", "xml", "zip")
RETRIEVAL_DOCS = "https://platform.openai.com/docs/assistants/tools/file-search/supported-files"


#: ``last_error`` of a vector store file whose ingestion failed (F20: openai-openapi PR #300,
#: openai-node #1496).
#: In the spec's order of VectorStoreFileObject.last_error.code (what a refusal lists).
INGESTION_ERRORS = {"server_error": "The server had an error while processing the file.",
                    "unsupported_file": "The file type is not supported.",
                    "invalid_file": "The file could not be parsed."}  # unverified


def expired_store_run_error(vector_store_id: str) -> dict:
    """``last_error`` of a run that used an expired store (F18: code inferred, text a client matches)."""
    return {"code": "server_error", "message": f"Vector store '{vector_store_id}' has expired"}


def file_not_found(file_id: str, param: str = "id") -> APIError:
    """F1 (verified text and param for /files/{id}); F17: the same text for a file a request body
    names, with the body path as param (unverified)."""
    return NotFoundError(f"No such File object: {file_id}", param=param)


def download_not_allowed(purpose: str) -> APIError:  # F2: message verified; type/param/code unverified
    return BadRequestError(f"Not allowed to download files of purpose: {purpose}")


def not_one_of(path: str, value, allowed) -> APIError:  # F3, verified (the upload purpose)
    listed = ", ".join(f"'{item}'" for item in allowed)
    return BadRequestError(f"{quote(value)} is not one of [{listed}] - '{path}'", param=path)


def invalid_extension(extension: str) -> APIError:  # F5: message verified; param/code unverified
    formats = ", ".join(f'"{item}"' for item in ASSISTANTS_EXTENSIONS)
    return BadRequestError(f"Invalid extension {extension}. Supported formats: {formats}", param="file")


def file_too_large(size: int, limit: int, param: str = "file") -> APIError:
    """F7: a file, an upload or an upload part over its limit (unverified: the notes' recommendation)."""
    what = {"file": "a file", "bytes": "an upload", "data": "an upload part"}[param]
    return BadRequestError(f"File is too large: {size} bytes. The maximum size of {what} is {limit} bytes.",
                           param=param)


def not_multipart(content_type: str) -> APIError:
    """A file upload that is not multipart/form-data (fakeai wording; the real text is not on record)."""
    if content_type.lower().startswith("multipart/form-data"):
        return BadRequestError(f"Invalid Content-Type header ({content_type}): a multipart/form-data body "
                               "needs a boundary.")
    return BadRequestError(f"Invalid Content-Type header ({content_type or 'none'}), expected "
                           "multipart/form-data.")


def file_not_in_vector_store(file_id: str, vector_store_id: str) -> APIError:  # F10: message observed
    return NotFoundError(f"No file found with id '{file_id}' in vector store '{vector_store_id}'.")


def files_not_found(file_ids, param: str | None = None) -> APIError:  # F11: Azure's text (unverified)
    return NotFoundError(f"Files [{', '.join(file_ids)}] were not found", param=param)


def unsupported_for_retrieval(extension: str, param: str = "file_ids") -> APIError:  # F12 verified; F13
    return BadRequestError(f"Files with extensions [{extension}] are not supported for retrieval. See "
                           f"{RETRIEVAL_DOCS}", param=param, code="unsupported_file")


def vector_store_expired(vector_store_id: str) -> APIError:
    """A write to an expired store (F18's wording, which a client matches; status unverified)."""
    return BadRequestError(f"Vector store '{vector_store_id}' has expired")


def upload_not_pending(upload_id: str, status: str) -> APIError:  # F16: unverified
    return BadRequestError(f"Upload {upload_id} is already {status}; only a pending upload takes this "
                           "request.")


def upload_part_not_found(upload_id: str, part_id: str) -> APIError:  # F16: unverified
    return BadRequestError(f"Invalid 'part_ids': no part '{part_id}' in upload '{upload_id}'.",
                           param="part_ids", code="invalid_value")


def upload_size_mismatch(declared: int, received: int) -> APIError:  # F16: unverified
    return BadRequestError(f"The parts add up to {received} bytes, but the upload was created with "
                           f"bytes={declared}.", param="bytes")


# --- injected faults (E29-E31 and the SDK's other statuses) -------------------------------------

def fault_error(status: int, *, kind: str | None, key: str, method: str, path: str, model: str | None = None,
                retry_after_ms: int | None = None, request_id: str = "") -> APIError:
    """The real API's body for an injected status. 429 ``kind``: 'rate_limit' or 'quota'; ``model``:
    the model the request was for, when it names one (E29)."""
    if status == 429 and kind == "quota":  # E30
        return APIError("You exceeded your current quota, please check your plan and billing details. For "
                        "more information on this error, read the docs: "
                        "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                        type="insufficient_quota", code="insufficient_quota", status=429)
    if status == 429:  # E29: the catalog's captured wording (its Assistants wording is unverified)
        return APIError(f"Rate limit reached for {model or 'requests'} in organization org-fakeai on requests per "
                        f"min (RPM): Limit 3, Used 3, Requested 1. Please try again in "
                        f"{spoken_delay(retry_after_ms)}. Visit https://platform.openai.com/account/rate-limits "
                        "to learn more.", type="requests", code="rate_limit_exceeded", status=429)
    if status == 500 and path.startswith("/v1/vector_stores"):  # F19, observed on vector store calls
        return APIError("The server had an error processing your request. Sorry about that! You can retry your "
                        "request, or contact us through our help center at help.openai.com if you keep seeing "
                        f"this error. (Please include the request ID {request_id} in your email.)",
                        type="server_error", status=500)
    if status == 401:
        return incorrect_api_key(key)
    if status == 404:
        return invalid_url(method, path)
    if status == 500:  # E31
        error = internal_error()
        return error
    if status == 503:
        return APIError("The server is overloaded or not ready yet.", type="server_error", status=503)
    known = {403: "You are not allowed to access this resource.", 408: "Request timed out.",
             409: "The request conflicted with another request.", 502: "Bad gateway."}
    return APIError(known.get(status, f"fakeai injected an HTTP {status}."),
                    type="server_error" if status >= 500 else INVALID_REQUEST, status=status)


# --- fakeai's own failures ----------------------------------------------------------------------

def contract_violation(detail: str) -> APIError:
    return APIError(f"fakeai contract violation (a bug in fakeai, not in your code): {detail}",
                    type="server_error", status=500, headers={"x-should-retry": "false"})


def emulator_failure(detail: str) -> APIError:
    """A server-mode answer to something fakeai could not do (a bug of its own)."""
    return APIError(f"fakeai could not answer this request: {detail}", type="server_error", status=500,
                    headers={"x-should-retry": "false"})


def script_failure(detail: str) -> APIError:
    """A server-mode answer to a script the test gave that no run can follow (the test's mistake)."""
    return APIError(f"fakeai could not follow the test's script: {detail}", type="server_error", status=500,
                    headers={"x-should-retry": "false"})


def internal_error() -> APIError:  # E31
    return APIError("The server had an error while processing your request. Sorry about that!",
                    type="server_error", status=500)


# --- wording helpers ----------------------------------------------------------------------------

def quote(value) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def spoken_delay(milliseconds: int | None) -> str:
    """20000 -> '20s', 1500 -> '1.5s', 120 -> '120ms' (a rate limit's "try again in"); default 1s."""
    if milliseconds is None:
        return "1s"
    return f"{milliseconds}ms" if milliseconds < 1000 else f"{milliseconds / 1000:g}s"


def spoken_list(values) -> str:
    """'a', 'b', and 'c' (the API's Oxford-comma list)."""
    items = [quote(v) for v in values]
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]
