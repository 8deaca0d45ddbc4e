#!/usr/bin/env python3
"""Every command example of the README and docs/*.md, run as written.

A fenced block whose language is sh is a command example. The line before
it (blank lines aside) says what the test does with it:

  <!-- example: runs -->                 every line is run, in order, and must
                                         exit 0 (`runs in build/`: from the
                                         build folder)
  <!-- example: runs; replace "A" with "B" -->
                                         the same, with the text A of that
                                         block replaced by B first (a long
                                         benchmark made short); the reason is
                                         said in the document
  <!-- example: needs a real printer --> not run; the program, its command
                                         and every --option must be ones its
                                         --help lists
  <!-- example: on the office's server --> not run: an administrator's
                                         steps (apt, lpadmin, systemctl...);
                                         lines of this project's programs are
                                         checked as for a real printer
  <!-- example: quick start -->          the README's two commands: demo.sh
                                         runs as the demo test, test.sh is
                                         what .ci/run runs; both are checked
                                         to be so

A block without a marker, or a fence without a language, fails the test:
nothing that looks like an example can go untested by accident.

The examples run in a scratch copy of the tree (symbolic links, with build/
the build under test) against a world made for them: a private cupsd
(tests/cups/cups_harness.sh) with the queues the docs name (PLQ20-desk1: the
shipped passbook PPD and the built rastertopassbook; Laser-office: IPP
Everywhere), keys, tokens and a callback secret where the docs keep them. The
docs' system paths are mapped into the scratch folder (the table is printed),
so nothing outside it is touched. certprintd started by an example runs in
the background until the end; the client commands get $CERTPRINT_URL and the
token of the role the command needs ($CERTPRINT_TOKEN: registry for submit,
verifier for verify, technician for certcal, stock and reconcile, clerk
otherwise). 'CP:...' stands for a scanned QR:
it is replaced by the newest token an earlier line of the same block printed.

  doc_examples.py --source SRC --build BUILD [--python PYTHON]
  doc_examples.py --self-test   (proves each rule can fail)
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

FENCE = re.compile(r"^```(\S*)\s*$")
MARKER = re.compile(r"^<!--\s*example:\s*(.*?)\s*-->\s*$")
REPLACE = re.compile(r'^replace "(.*)" with "(.*)"$')
COMMAND_LANGUAGES = {"sh", "bash", "shell", "console"}
# Base45 of a token's 28 bytes is 42 characters (docs/qr-token.md).
TOKEN = re.compile(r"CP:[0-9A-Z $%*+\-./:]{42}")
PLACEHOLDERS = ("'CP:...'", "'CP:…'")


class DocError(Exception):
    pass


@dataclass
class Block:
    path: str
    line: int
    kind: str
    in_build: bool = False
    replacements: list = field(default_factory=list)
    commands: list = field(default_factory=list)  # (line, text)

    def where(self, line=None):
        return f"{self.path}:{line or self.line}"


def parse_marker(text, where):
    clauses = [c.strip() for c in text.split(";")]
    head, rest = clauses[0], clauses[1:]
    block = Block(where[0], where[1], "")
    if head in ("runs", "runs in build/"):
        block.kind, block.in_build = "runs", head.endswith("build/")
    elif head in ("needs a real printer", "quick start", "on the office's server"):
        block.kind = head
    else:
        raise DocError(f"{where[0]}:{where[1]}: example marker \"{head}\": expected runs, "
                       "runs in build/, needs a real printer, on the office's server or "
                       "quick start")
    for clause in rest:
        m = REPLACE.match(clause)
        if not m or block.kind != "runs":
            raise DocError(f"{where[0]}:{where[1]}: example marker clause \"{clause}\": expected "
                           "replace \"A\" with \"B\" (on a block that runs)")
        block.replacements.append((m.group(1), m.group(2)))
    return block


def parse_document(path, display):
    """The command examples of one Markdown file, each with its marker."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, language = i + 1, m.group(1)
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
        if end is None:
            raise DocError(f"{display}:{start}: a fenced block that never ends")
        if not language:
            raise DocError(f"{display}:{start}: a fenced block without a language: mark commands "
                           "```sh and output or diagrams ```text")
        if language in COMMAND_LANGUAGES:
            k = i - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            marker = MARKER.match(lines[k]) if k >= 0 else None
            if not marker:
                raise DocError(f"{display}:{start}: a command example without an "
                               "<!-- example: ... --> line before it: say whether the docs test "
                               "runs it or it needs a real printer")
            block = parse_marker(marker.group(1), (display, start))
            block.commands = join_commands(lines, i + 1, end)
            for old, _ in block.replacements:
                if not any(old in text for _, text in block.commands):
                    raise DocError(f"{display}:{start}: replace \"{old}\": not in the block")
            blocks.append(block)
        i = end + 1
    return blocks


def join_commands(lines, first, end):
    """Lines of a block as commands: continuations joined, comments dropped."""
    commands, pending, at = [], "", None
    for n in range(first, end):
        text = lines[n].rstrip()
        if not pending and (not text.strip() or text.lstrip().startswith("#")):
            continue
        at = at if pending else n + 1
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        commands.append((at, pending + text))
        pending = ""
    if pending:
        raise DocError(f"line {at}: a command continued (\\) past the end of its block")
    return commands


def words_of(text):
    return shlex.split(text, comments=True)


# ---- needs a real printer: the options are the program's -----------------


def check_options(block, programs):
    """Every line a program of this project with options its --help lists; on
    the office's server, other programs' lines are the administrator's."""
    for line, text in block.commands:
        words = words_of(text)
        program = os.path.basename(words[0]) if words else ""
        if program not in programs:
            if block.kind == "on the office's server":
                continue
            raise DocError(f"{block.where(line)}: {words[0]} is not a program of this project")
        command = [programs[program]]
        if program in ("certprint", "certcal") and len(words) > 1 and not words[1].startswith("-"):
            command.append(words[1])
            if words[1] == "print" and "--direct" in words:
                command.append("--direct")
        answer = subprocess.run(command + ["--help"], capture_output=True, text=True)
        if answer.returncode != 0:
            raise DocError(f"{block.where(line)}: {' '.join(command[1:]) or program} --help "
                           f"failed: {answer.stderr.strip()}")
        for word in words[1:]:
            if not word.startswith("--"):
                continue
            option = word.split("=")[0]
            if not re.search(r"(^|[\s\[])" + re.escape(option) + r"(?![\w-])", answer.stdout):
                raise DocError(f"{block.where(line)}: {option} is not an option of "
                               f"{' '.join([program] + command[1:])} (its --help does not list it)")


# ---- quick start ----------------------------------------------------------


def check_quick_start(block, source, build):
    wanted = ["bash scripts/demo.sh", "bash scripts/test.sh"]
    got = [" ".join(words_of(text)) for _, text in block.commands]
    if got != wanted:
        raise DocError(f"{block.where()}: the quick start is {got}, expected {wanted}")
    with open(os.path.join(source, ".ci", "run"), encoding="utf-8") as f:
        if "scripts/test.sh" not in f.read():
            raise DocError(f"{block.where()}: .ci/run does not run scripts/test.sh")
    listed = subprocess.run(["ctest", "-N"], cwd=build, capture_output=True, text=True).stdout
    if "demo: " not in listed:
        raise DocError(f"{block.where()}: ctest in {build} has no demo test running scripts/demo.sh")


# ---- runs -------------------------------------------------------------------


class World:
    """The scratch tree, the private CUPS and the secrets the examples use."""

    def __init__(self, source, build, scratch):
        self.source, self.build, self.scratch = source, build, scratch
        self.tree = os.path.join(scratch, "tree")
        self.daemons = []
        self.env = dict(os.environ)
        self.tokens = {}
        self.substitutions = []

    def start(self):
        os.makedirs(self.tree)
        os.chmod(self.scratch, 0o755)
        for name in sorted(os.listdir(self.source)):
            if name != ".git" and not name.startswith("build") and name not in ("demo",):
                os.symlink(os.path.join(self.source, name), os.path.join(self.tree, name))
        os.symlink(self.build, os.path.join(self.tree, "build"))
        self.start_cups()
        self.make_secrets()
        self.env["PATH"] = ":".join([os.path.join(self.build, "daemon"),
                                     os.path.join(self.build, "calibration"), self.env["PATH"]])
        self.env["CREDENTIALS_DIRECTORY"] = self.path("/run/credentials/certprintd.service")
        self.env["CERTPRINT_URL"] = f"http://127.0.0.1:{self.port}"
        self.write_config()
        print("doc_examples: the docs' paths and addresses, as the examples here see them:")
        for old, new in self.substitutions:
            print(f"  {old:40} -> {new}")

    def path(self, system_path):
        return os.path.join(self.scratch, "root", system_path.lstrip("/"))

    def start_cups(self):
        cups = os.path.join(self.scratch, "cups")
        harness = os.path.join(self.source, "tests", "cups", "cups_harness.sh")
        subprocess.run(["bash", harness, "start", cups], check=True)
        with open(os.path.join(cups, "harness.env"), encoding="utf-8") as f:
            values = dict(line.strip().split("=", 1) for line in f if "=" in line)
        self.cups_server = values["CUPS_SERVER"]
        self.env["CUPS_SERVER"] = self.cups_server
        # The passbook queue the docs name: the shipped PPD with the built filter.
        filt = os.path.join(cups, "filters", "rastertopassbook")
        shutil.copyfile(os.path.join(self.build, "drivers", "rastertopassbook"), filt)
        os.chmod(filt, 0o755)
        with open(os.path.join(self.build, "ppd", "cp-plq20.ppd"), encoding="latin-1") as f:
            ppd = f.read()
        ppd = re.sub(r'^\*cupsFilter2?:.*$', '*cupsFilter2: "application/vnd.cups-raster '
                     f'application/vnd.cups-raw 50 {filt}"', ppd, count=1, flags=re.M)
        with open(os.path.join(cups, "plq20.ppd"), "w", encoding="latin-1") as f:
            f.write(ppd)
        device = os.path.join(cups, "capture", "PLQ20-desk1.prn")
        open(device, "w").close()
        os.chmod(device, 0o666)
        env = dict(os.environ, CUPS_SERVER=self.cups_server)
        for queue in (["-p", "PLQ20-desk1", "-E", "-v", "file://" + device, "-P",
                       os.path.join(cups, "plq20.ppd")],
                      ["-p", "Laser-office", "-E", "-v", values["EVE_URI"], "-m", "everywhere"]):
            subprocess.run(["lpadmin"] + queue, env=env, check=True)
        self.port = free_port()
        self.substitutions += [("127.0.0.1:8631", f"127.0.0.1:{self.port}"),
                               ("localhost:631", self.cups_server)]

    def make_secrets(self):
        for system_path in ("/etc/certprint", "/var/lib/certprint",
                            "/run/credentials/certprintd.service", "/tmp"):
            os.makedirs(self.path(system_path), exist_ok=True)
            self.substitutions.append((system_path + "/", self.path(system_path) + "/"))
        etc = self.path("/etc/certprint")
        certprint = os.path.join(self.build, "daemon", "certprint")
        subprocess.run([certprint, "keygen", "--keys", os.path.join(etc, "keys")], check=True,
                       stdout=subprocess.DEVNULL)
        lines = []
        for role in ("registry", "clerk", "technician", "verifier"):
            self.tokens[role] = f"{role}-docs-" + os.urandom(16).hex()
            lines.append(f"{role} {role}-docs {self.tokens[role]}\n")
        write_secret(os.path.join(etc, "tokens"), "".join(lines))
        write_secret(os.path.join(etc, "callback-secret"), os.urandom(24).hex() + "\n")
        creds = self.path("/run/credentials/certprintd.service")
        for name in ("keys", "tokens", "callback-secret"):
            os.symlink(os.path.join(etc, name), os.path.join(creds, name))

    def write_config(self):
        """The shipped example configuration, where the docs keep it."""
        with open(os.path.join(self.source, "systemd", "certprintd.conf.example"),
                  encoding="utf-8") as f:
            text = self.substitute(f.read())
        with open(os.path.join(self.path("/etc/certprint"), "certprintd.conf"), "w",
                  encoding="utf-8") as f:
            f.write(text)

    def substitute(self, text):
        """One pass: a path already mapped is not mapped again."""
        if not self.substitutions:
            return text
        table = dict(self.substitutions)
        pattern = "|".join(re.escape(old) for old in sorted(table, key=len, reverse=True))
        return re.sub(pattern, lambda m: table[m.group(0)], text)

    def role_for(self, words):
        program = os.path.basename(words[0])
        if program == "certcal":
            return "technician"
        if program == "certprint" and len(words) > 1 and words[1] == "submit":
            return "registry"
        if program == "certprint" and len(words) > 1 and words[1] == "verify":
            return "verifier"
        if program == "certprint" and len(words) > 1 and words[1] in ("stock", "reconcile"):
            return "technician"
        return "clerk"

    def start_daemon(self, text, where):
        log = os.path.join(self.scratch, f"certprintd-{len(self.daemons)}.log")
        process = subprocess.Popen(["bash", "-c", "exec " + text], cwd=self.tree, env=self.env,
                                   stdout=open(log, "w"), stderr=subprocess.STDOUT)
        self.daemons.append(process)
        probe = self.env | {"CERTPRINT_TOKEN": self.tokens["clerk"]}
        certprint = os.path.join(self.build, "daemon", "certprint")
        for _ in range(300):  # up to 30 s: a sanitized build starts slowly
            if process.poll() is not None:
                break
            if subprocess.run([certprint, "printers"], env=probe, capture_output=True).returncode == 0:
                print(f"doc_examples: certprintd answers on {self.env['CERTPRINT_URL']}")
                return
            time.sleep(0.1)
        with open(log, encoding="utf-8", errors="replace") as f:
            tail = f.read()[-3000:]
        raise DocError(f"{where}: certprintd did not come up; its log:\n{tail}")

    def stop(self):
        for process in self.daemons:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
        cups = os.path.join(self.scratch, "cups")
        if os.path.isdir(cups):
            subprocess.run(["bash", os.path.join(self.source, "tests", "cups", "cups_harness.sh"),
                            "stop", cups])


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_block(block, world, run_line):
    """Runs a block's lines in order; run_line(text, role, cwd) -> (status, output)."""
    newest_token = None
    for line, text in block.commands:
        for old, new in block.replacements:
            text = text.replace(old, new)
        text = world.substitute(text) if world else text
        if any(p in text for p in PLACEHOLDERS):
            if not newest_token:
                raise DocError(f"{block.where(line)}: 'CP:...' but no earlier line of the block "
                               "printed a token")
            for p in PLACEHOLDERS:
                text = text.replace(p, "'" + newest_token + "'")
        words = words_of(text)
        print(f"\n$ {text}   # {block.where(line)}", flush=True)
        if os.path.basename(words[0]) == "certprintd" and not {"--check", "--help"} & set(words):
            world.start_daemon(text, block.where(line))
            continue
        status, output = run_line(text, world.role_for(words) if world else None, block.in_build)
        print(output, end="" if output.endswith("\n") or not output else "\n", flush=True)
        if status != 0:
            raise DocError(f"{block.where(line)}: exit status {status}: {text}")
        found = TOKEN.findall(output)
        if found:
            newest_token = found[-1]


def world_runner(world):
    def run_line(text, role, in_build):
        env = dict(world.env, CERTPRINT_TOKEN=world.tokens[role])
        cwd = os.path.join(world.tree, "build") if in_build else world.tree
        answer = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=cwd, env=env,
                                capture_output=True,
                                text=True, errors="replace", timeout=900)
        return answer.returncode, answer.stdout + answer.stderr
    return run_line


def collect(source):
    documents = ["README.md"] + sorted(os.path.join("docs", name)
                                       for name in os.listdir(os.path.join(source, "docs"))
                                       if name.endswith(".md"))
    blocks = []
    for doc in documents:
        blocks += parse_document(os.path.join(source, doc), doc)
    return blocks


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source")
    parser.add_argument("--build")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.source or not args.build:
        parser.error("--source and --build are needed (or --self-test)")
    source, build = os.path.realpath(args.source), os.path.realpath(args.build)
    programs = {"certprint": os.path.join(build, "daemon", "certprint"),
                "certprintd": os.path.join(build, "daemon", "certprintd"),
                "certcal": os.path.join(build, "calibration", "certcal")}
    scratch = tempfile.mkdtemp(prefix="certprint-docs-")
    world = World(source, build, scratch)
    counts = {}
    try:
        blocks = collect(source)
        world.start()
        for block in blocks:
            if block.kind == "runs":
                run_block(block, world, world_runner(world))
            elif block.kind in ("needs a real printer", "on the office's server"):
                check_options(block, programs)
            else:
                check_quick_start(block, source, build)
            counts[block.kind] = counts.get(block.kind, 0) + len(block.commands)
    except DocError as e:
        print(f"doc_examples: FAIL: {e}\n(the scratch folder {scratch} is kept)", file=sys.stderr)
        world.stop()
        return 1
    world.stop()
    shutil.rmtree(scratch, ignore_errors=True)
    print("\ndoc_examples: " + ", ".join(f"{n} command(s) {kind}" for kind, n in counts.items()))
    return 0


def self_test():
    """Each rule must be able to fail: wrong documents are refused."""
    cases = {
        "no marker": "text\n\n```sh\ncertprint printers\n```\n",
        "no language": "```\ncertprint printers\n```\n",
        "unknown marker": "<!-- example: maybe -->\n```sh\ntrue\n```\n",
        "replace not in block": "<!-- example: runs; replace \"x1\" with \"x2\" -->\n```sh\ntrue\n```\n",
        "failing command": "<!-- example: runs -->\n```sh\ntrue\nfalse\n```\n",
        "failing command in a pipe": "<!-- example: runs -->\n```sh\nfalse | true\n```\n",
        "failing command before a ;": "<!-- example: runs -->\n```sh\nfalse; true\n```\n",
        "continued past the end": "<!-- example: runs -->\n```sh\ntrue \\\n```\n",
        "placeholder without token": "<!-- example: runs -->\n```sh\necho 'CP:...'\n```\n",
        "quick start changed": "<!-- example: quick start -->\n```sh\nbash scripts/demo.sh --fast\n```\n",
    }
    cases["an option --help does not list"] = ("<!-- example: needs a real printer -->\n"
                                               "```sh\ncertprint print --printer q --bogus\n```\n")
    cases["not a program of the project"] = ("<!-- example: needs a real printer -->\n"
                                             "```sh\nlpadmin -p q\n```\n")
    cases["an option --help does not list, on the server"] = (
        "<!-- example: on the office's server -->\n"
        "```sh\nlpadmin -p q\ncertprint print --printer q --bogus\n```\n")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "certprint")
        with open(fake, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\necho 'usage: certprint print'; echo '  --printer arg'\n")
        os.chmod(fake, 0o755)
        programs = {"certprint": fake}
        for name, text in cases.items():
            path = os.path.join(tmp, "case.md")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            try:
                for block in parse_document(path, "case.md"):
                    if block.kind == "runs":
                        run_block(block, None, plain_runner)
                    elif block.kind == "quick start":
                        check_quick_start(block, tmp, tmp)
                    else:
                        check_options(block, programs)
                failures.append(name)
            except DocError as e:
                print(f"self-test: {name}: refused as it should be: {e}")
        # A runs block that passes, with a token carried to the placeholder.
        path = os.path.join(tmp, "good.md")
        with open(path, "w", encoding="utf-8") as f:
            f.write("<!-- example: runs -->\n```sh\necho token male CP:" + "A" * 42 +
                    "\ntest 'CP:...' = 'CP:" + "A" * 42 + "'\n```\n")
        with open(path, "a", encoding="utf-8") as f:
            f.write("<!-- example: needs a real printer -->\n```sh\ncertprint print --printer q\n```\n")
            f.write("<!-- example: on the office's server -->\n```sh\nlpadmin -p q\n"
                    "certprint print --printer q\n```\n")
        try:
            for block in parse_document(path, "good.md"):
                if block.kind == "runs":
                    run_block(block, None, plain_runner)
                else:
                    check_options(block, programs)
        except DocError as e:
            failures.append(f"a good block was refused: {e}")
    for name in failures:
        print(f"self-test: FAIL: {name}: not refused", file=sys.stderr)
    return 1 if failures else 0


def plain_runner(text, role, in_build):
    answer = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], capture_output=True,
                            text=True)
    return answer.returncode, answer.stdout + answer.stderr


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
