#!/usr/bin/env python3
"""Checks the answers the API tests received against docs/openapi.yaml.

    check_contract.py --spec docs/openapi.yaml --log answers.jsonl
                      [--routes daemon/api/http_server.cpp] [--min-operations N]
    check_contract.py --spec docs/openapi.yaml --self-test

The log holds one JSON object a line, written by the C++ API tests when
CERTPRINT_CONTRACT_LOG names it (tests/support/contract_log.hpp):

    {"via": "direct" | "http", "method": "POST",
     "route": "/v1/issuances/{issuance_id}"   (direct: the operation's path)
     "path": "/v1/issuances/440106-...",      (http: the request's path)
     "status": 200, "content_type": "application/json",
     "body": {...} | "text": "..." | "bytes": N, "head_hex": "89504e47...",
     "headers": {...} (http), "test": "the Catch2 test case"}

Each answer must belong to an operation of the document (its method and
path) and a status that operation lists, and its body must match the schema
of that status and content type; a required header must be there (answers
over HTTP). A direct answer names its caller's role: it must be 403 exactly
when the operation's x-certprint-roles leave that role out. Answers over HTTP may also be ones the server gives before
routing (`x-certprint-before-routing`): `responses` for any request,
`unrouted` for a request no operation matches. A direct call never passes
through that layer, so its answer must be its operation's.

The schemas are JSON Schema 2020-12 (OpenAPI 3.1); the examples in the
document are checked against their schemas too. With --routes, the routes
http_server.cpp serves must be exactly the document's paths.

Exit status 0 when every answer matches and at least --min-operations
distinct operations were seen; 1 otherwise, listing what failed.
"""

import argparse
import json
import re
import sys

try:
    import jsonschema
    import yaml
except ImportError as missing:
    sys.exit(f"check_contract: the Python module '{missing.name}' is missing: install Debian's "
             "python3-jsonschema and python3-yaml (apt-get install python3-jsonschema "
             "python3-yaml, or bash scripts/install-deps.sh)")

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
PNG_SIGNATURE = "89504e470d0a1a0a"
PDF_SIGNATURE = "255044462d"  # %PDF-


def pointer(*parts):
    """A JSON pointer (RFC 6901) to the parts."""
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class Spec:
    """docs/openapi.yaml, its operations and a validator per schema."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        if not str(self.doc.get("openapi", "")).startswith("3.1"):
            raise SystemExit(f"check_contract: {path} is not OpenAPI 3.1")
        self.path = path
        self.validators = {}
        self.templates = []  # (regex, template)
        for template in self.doc.get("paths", {}):
            self.templates.append((self.template_regex(template), template))

    @staticmethod
    def template_regex(template):
        parts = re.split(r"(\{[^}]+\})", template)
        return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p)
                                        for p in parts) + "$")

    def resolve(self, node):
        """Follows $ref (within this document) to the node it names."""
        while isinstance(node, dict) and "$ref" in node and len(node) == 1:
            node = self.at(node["$ref"])
        return node

    def at(self, ref):
        if not ref.startswith("#/"):
            raise SystemExit(f"check_contract: reference {ref} leaves the document")
        node = self.doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def validator(self, ref):
        """Validates against the schema at `ref`, references resolved in the document."""
        if ref not in self.validators:
            root = dict(self.doc)
            root["$ref"] = ref
            self.validators[ref] = jsonschema.Draft202012Validator(root)
        return self.validators[ref]

    def operation(self, method, route=None, path=None):
        """(template, operation) for a route or a path; (None, None) when none has it."""
        method = method.lower()
        if route is not None:
            op = self.doc.get("paths", {}).get(route, {}).get(method)
            return (route, op) if op else (None, None)
        for regex, template in self.templates:
            if regex.match(path or ""):
                op = self.doc["paths"][template].get(method)
                if op:
                    return template, op
        return None, None

    def operations(self):
        for template, item in self.doc.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    yield f"{method.upper()} {template}"


def find_response(responses, status):
    """The response object `responses` lists for `status` (exact, then 4XX, then default)."""
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            return key, responses[key]
    return None, None


def response_for(spec, rec):
    """(where, pointer to the response, response) for an answer, or a problem (str)."""
    before = spec.doc.get("x-certprint-before-routing", {})
    status = rec.get("status")
    if rec.get("via") == "direct":
        template, op = spec.operation(rec["method"], route=rec.get("route"))
        if not op:
            return f"no operation {rec['method']} {rec.get('route')} in the document"
        key, resp = find_response(op.get("responses", {}), status)
        if not resp:
            return f"{rec['method']} {template} does not list status {status}"
        return (f"{rec['method']} {template}",
                pointer("paths", template, rec["method"].lower(), "responses", key), resp)
    template, op = spec.operation(rec.get("method", ""), path=rec.get("path"))
    if op:
        key, resp = find_response(op.get("responses", {}), status)
        if resp:
            return (f"{rec['method']} {template}",
                    pointer("paths", template, rec["method"].lower(), "responses", key), resp)
    sets = ["responses"] if op else ["responses", "unrouted"]
    for name in sets:
        if str(status) in before.get(name, {}):
            return (f"{rec.get('method') or '(no request line)'} {rec.get('path') or ''} "
                    f"before routing",
                    pointer("x-certprint-before-routing", name, str(status)),
                    before[name][str(status)])
    if op:
        return f"{rec['method']} {template} does not list status {status}"
    return (f"no operation {rec.get('method')} {rec.get('path')} in the document, "
            f"and {status} is not an answer before routing")


def schema_problems(spec, ref, instance):
    errors = sorted(spec.validator(ref).iter_errors(instance), key=lambda e: list(e.path))
    return [f"at /{'/'.join(str(p) for p in e.path)}: {e.message[:300]}" for e in errors[:5]]


def header_problems(spec, resp_ref, resp, rec):
    if rec.get("via") != "http":
        return []
    sent = {k.lower(): v for k, v in rec.get("headers", {}).items()}
    problems = []
    for name, header in spec.resolve(resp).get("headers", {}).items():
        header = spec.resolve(header)
        if not header.get("required"):
            continue
        value = sent.get(name.lower())
        if value is None:
            problems.append(f"required header {name} is missing")
            continue
        schema = spec.resolve(header.get("schema", {}))
        if schema.get("type") == "integer":
            if not re.fullmatch(r"-?[0-9]+", value):
                problems.append(f"header {name} {value!r} is not an integer")
                continue
            value = int(value)
        ref = resp_ref + "/headers/" + name.replace("~", "~0").replace("/", "~1") + "/schema"
        problems += [f"header {name}: {p}" for p in schema_problems(spec, ref, value)]
    return problems


def body_problems(spec, resp_ref, resp, rec):
    """What is wrong with the answer's content type and body for this response."""
    resp_ref = resp_ref if "$ref" not in resp else resp["$ref"]
    resp = spec.resolve(resp)
    content = resp.get("content", {})
    ctype = " ".join(rec.get("content_type", "").split()).lower()
    media = {" ".join(k.split()).lower(): k for k in content}
    if not content:
        return [] if not rec.get("body") and not rec.get("text") else ["a body where none is described"]
    if ctype not in media:
        return [f"content type {rec.get('content_type')!r}, described: {', '.join(content)}"]
    ref = resp_ref + "/content/" + media[ctype].replace("~", "~0").replace("/", "~1") + "/schema"
    problems = header_problems(spec, resp_ref, resp, rec)
    if ctype.startswith("application/json"):
        if "body_error" in rec:
            return problems + [f"the body is {rec['body_error']}: {rec.get('text', '')[:200]!r}"]
        return problems + schema_problems(spec, ref, rec.get("body"))
    if ctype.startswith("text/"):
        return problems + schema_problems(spec, ref, rec.get("text", ""))
    if ctype == "image/png" and not (rec.get("bytes", 0) > 0
                                     and rec.get("head_hex", "").startswith(PNG_SIGNATURE)):
        problems.append(f"not a PNG ({rec.get('bytes', 0)} bytes, starting {rec.get('head_hex')})")
    if ctype == "application/pdf" and not (rec.get("bytes", 0) > 0
                                           and rec.get("head_hex", "").startswith(PDF_SIGNATURE)):
        problems.append(f"not a PDF ({rec.get('bytes', 0)} bytes, starting {rec.get('head_hex')})")
    return problems


def role_problems(spec, rec):
    """A direct answer names its caller's role: 403 exactly when the operation's
    x-certprint-roles leave it out."""
    if rec.get("via") != "direct" or "role" not in rec:
        return []
    _, op = spec.operation(rec["method"], route=rec.get("route"))
    roles = (op or {}).get("x-certprint-roles")
    if roles is None:
        return [f"{rec['method']} {rec.get('route')} has no x-certprint-roles"]
    if rec["role"] not in roles and rec.get("status") != 403:
        return [f"role {rec['role']} is not in x-certprint-roles {roles}, yet got {rec.get('status')}"]
    if rec["role"] in roles and rec.get("status") == 403:
        return [f"role {rec['role']} is in x-certprint-roles {roles}, yet got 403"]
    return []


def check_answer(spec, rec):
    """(operation or where, problems) for one recorded answer."""
    found = response_for(spec, rec)
    if isinstance(found, str):
        return None, [found]
    where, resp_ref, resp = found
    return where, role_problems(spec, rec) + body_problems(spec, resp_ref, resp, rec)


def example_problems(spec):
    """The document's examples that do not match their schemas."""
    problems = []

    def media_examples(node, path):
        if isinstance(node, dict):
            if "schema" in node and ("example" in node or "examples" in node):
                ref = pointer(*path, "schema")
                values = [("example", node["example"])] if "example" in node else []
                for name, ex in (node.get("examples") or {}).items():
                    values.append((name, spec.resolve(ex).get("value")))
                for name, value in values:
                    problems.extend(f"example {name} of {ref}: {p}"
                                    for p in schema_problems(spec, ref, value))
            for k, v in node.items():
                media_examples(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                media_examples(v, path + [i])

    def schema_examples(node, path):
        if isinstance(node, dict):
            if isinstance(node.get("examples"), list):
                for i, value in enumerate(node["examples"]):
                    problems.extend(f"example {i} of {pointer(*path)}: {p}"
                                    for p in schema_problems(spec, pointer(*path), value))
            for k, v in node.items():
                schema_examples(v, path + [k])

    media_examples(spec.doc.get("paths", {}), ["paths"])
    media_examples(spec.doc.get("webhooks", {}), ["webhooks"])
    media_examples(spec.doc.get("components", {}).get("responses", {}),
                   ["components", "responses"])
    schema_examples(spec.doc.get("components", {}).get("schemas", {}), ["components", "schemas"])
    for name, schema in spec.doc.get("components", {}).get("schemas", {}).items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            problems.append(f"schema {name} is not JSON Schema 2020-12: {e.message}")
    return problems


def route_problems(spec, server_source):
    """The routes http_server.cpp serves that the document lacks, and the other way round."""
    with open(server_source, encoding="utf-8") as f:
        text = f.read()
    served = set()
    for method, raw, plain in re.findall(r'\bs\.(Get|Post|Put|Delete|Patch)\(\s*'
                                         r'(?:R"\((.*?)\)"|"([^"]*)")', text, re.S):
        route = raw or plain
        route = re.sub(r"\((\[\^/\]\+|[a-z0-9_]+(\|[a-z0-9_]+)+)\)", "{}", route).replace("\\.", ".")
        served.add(f"{method.upper()} {route}")
    documented = {re.sub(r"\{[^}]+\}", "{}", op) for op in spec.operations()}
    problems = [f"{r} is served by {server_source} but not in the document"
                for r in sorted(served - documented)]
    problems += [f"{r} is in the document but not served by {server_source}"
                 for r in sorted(documented - served)]
    if not served:
        problems.append(f"no routes found in {server_source}")
    return problems


def read_log(path):
    records = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise SystemExit(f"check_contract: {path}:{n}: not JSON: {e}")
    return records


def check_log(spec, records):
    """(failures, operations seen, (operation, status) pairs seen, distinct answers)."""
    seen = {}
    failures = []
    operations, pairs = set(), set()
    for rec in records:
        key = json.dumps({k: v for k, v in rec.items() if k != "test"}, sort_keys=True)
        if key not in seen:
            seen[key] = check_answer(spec, rec)
        where, problems = seen[key]
        if where and not where.endswith("before routing"):
            operations.add(where)
            pairs.add((where, rec.get("status")))
        if problems:
            failures.append((rec, where, problems))
    return failures, operations, pairs, len(seen)


def report(spec, records, failures, operations, pairs, distinct, min_operations):
    shown = set()
    for rec, where, problems in failures:
        what = (rec.get("via"), where, rec.get("status"), tuple(problems))
        if what in shown:
            continue
        shown.add(what)
        target = rec.get("route") or rec.get("path")
        print(f"FAIL {rec.get('via')} {rec.get('method')} {target} -> {rec.get('status')} "
              f"(test: {rec.get('test', '?')})", file=sys.stderr)
        for p in problems:
            print(f"     {p}", file=sys.stderr)
        if len(shown) >= 40:
            print("     ... (more failures not shown)", file=sys.stderr)
            break
    missing = sorted(set(spec.operations()) - operations)
    print(f"check_contract: {len(records)} answers ({distinct} distinct) checked against "
          f"{spec.path}: {len(operations)} of {len(list(spec.operations()))} operations, "
          f"{len(pairs)} operation/status pairs; {len(failures)} answers failed")
    if missing:
        print("check_contract: operations no answer reached: " + ", ".join(missing))
    ok = not failures
    if len(operations) < min_operations:
        print(f"check_contract: only {len(operations)} operations answered, at least "
              f"{min_operations} expected: were the API tests run with CERTPRINT_CONTRACT_LOG?",
              file=sys.stderr)
        ok = False
    return ok


def self_test(spec):
    """The checker must refuse wrong answers: each case, and whether it must pass."""
    health = {"status": "ok", "queued_print_jobs": 0, "printers": 1}
    not_found = {"error": {"code": "not_found", "message": "no such endpoint"}}
    event = {"event_id": "ev-" + "0" * 32, "issuance_id": "i-1", "sequence": 1,
             "type": "booklet_confirmed", "at_ms": 1, "holder": "male",
             "stock_serial": "4400260101", "delivered": True, "dead": False}
    status = {"issuance_id": "i-1", "booklets": [], "events": [event]}

    def direct(method, route, code, body, ctype="application/json", role="clerk"):
        return {"via": "direct", "method": method, "route": route, "status": code,
                "content_type": ctype, "body": body, "role": role}

    def http(method, path, code, body, headers=None):
        return {"via": "http", "method": method, "path": path, "status": code,
                "content_type": "application/json", "body": body, "headers": headers or {}}

    too_many = {"error": {"code": "too_many_requests", "message": "m", "retry_after_s": 1}}
    cases = [
        ("a right answer", True, direct("GET", "/healthz", 200, health)),
        ("a required property missing", False,
         direct("GET", "/healthz", 200, {"status": "ok", "queued_print_jobs": 0})),
        ("a property the schema does not have", False,
         direct("GET", "/healthz", 200, dict(health, extra=1))),
        ("a wrong type", False, direct("GET", "/healthz", 200, dict(health, printers="1"))),
        ("a status the operation does not list", False, direct("GET", "/healthz", 418, health)),
        ("a route the document does not have", False, direct("GET", "/v1/nothing", 200, {})),
        ("an unknown path over HTTP, 404 before routing", True,
         http("GET", "/v1/nothing", 404, not_found)),
        ("an unknown path over HTTP with a status not given before routing", False,
         http("GET", "/v1/nothing", 200, {})),
        ("a direct call answered as before routing", False,
         direct("GET", "/healthz", 414, {"error": {"code": "http", "message": "m"}})),
        ("an error code its status does not have", False,
         direct("GET", "/healthz", 401, not_found)),
        ("a stored event with an extra field", False,
         direct("GET", "/v1/issuances/{issuance_id}", 200,
                dict(status, events=[dict(event, extra=True)]))),
        ("a stored event right", True, direct("GET", "/v1/issuances/{issuance_id}", 200, status)),
        ("a delivered event with attempts", False,
         direct("GET", "/v1/issuances/{issuance_id}", 200,
                dict(status, events=[dict(event, attempts=0)]))),
        ("the wrong content type", False,
         direct("GET", "/metrics", 200, health, "application/json")),
        ("429 over HTTP with Retry-After", True,
         http("POST", "/v1/verify", 429, too_many, {"Retry-After": "1"})),
        ("429 over HTTP without Retry-After", False, http("POST", "/v1/verify", 429, too_many)),
        ("a role x-certprint-roles leaves out, answered 200", False,
         direct("GET", "/v1/outbox", 200, {"undelivered": 0, "dead": 0, "dead_events": []})),
        ("a role x-certprint-roles lists, answered 200", True,
         direct("GET", "/v1/outbox", 200, {"undelivered": 0, "dead": 0, "dead_events": []},
                role="technician")),
        ("a role x-certprint-roles lists, answered 403", False,
         direct("GET", "/v1/outbox", 403, {"error": {"code": "forbidden", "message": "m"}},
                role="technician")),
        ("a body that is not JSON", False,
         dict(direct("GET", "/healthz", 200, None), body_error="not JSON", text="oops")),
    ]
    wrong = 0
    for name, should_pass, rec in cases:
        where, problems = check_answer(spec, rec)
        passed = not problems
        verdict = "ok" if passed == should_pass else "WRONG"
        wrong += passed != should_pass
        print(f"self-test {verdict}: {name}: {'passes' if passed else 'fails'}"
              f"{'' if passed else ' (' + problems[0] + ')'}")
    failures, operations, _, _ = check_log(spec, [c[2] for c in cases if c[1]])
    if failures or len(operations) < 1:
        print("self-test WRONG: the log of right answers does not pass", file=sys.stderr)
        wrong += 1
    print(f"check_contract --self-test: {len(cases) - wrong} of {len(cases)} cases as expected")
    return wrong == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spec", required=True, help="docs/openapi.yaml")
    ap.add_argument("--log", help="the JSON-lines file of recorded answers")
    ap.add_argument("--routes", help="daemon/api/http_server.cpp: its routes must be the document's")
    ap.add_argument("--min-operations", type=int, default=1,
                    help="fail unless answers of at least this many operations were recorded")
    ap.add_argument("--self-test", action="store_true",
                    help="check that wrong answers fail and right ones pass")
    args = ap.parse_args()
    spec = Spec(args.spec)
    problems = example_problems(spec)
    if args.routes:
        problems += route_problems(spec, args.routes)
    for p in problems:
        print(f"FAIL {p}", file=sys.stderr)
    if args.self_test:
        return 0 if self_test(spec) and not problems else 1
    if not args.log:
        ap.error("--log is required (or --self-test)")
    records = read_log(args.log)
    ok = report(spec, records, *check_log(spec, records), args.min_operations)
    return 0 if ok and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
