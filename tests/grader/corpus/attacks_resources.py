"""Attack corpus scenarios: Resource abuse.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

from .corpus_base import code, expect, full, scenario, zero
from .corpus_context import files_of


# Resource abuse -------------------------------------------------------------------------------

@scenario("resource-kill-on-probe",
          "conv_block SIGKILLs its own kernel the moment it is called; 03_decoder solved (the next "
          "notebook gets a fresh kernel and its points)",
          ("02_encoder", "03_decoder"),
          expect({**zero("conv_block"), **full("03_decoder")}, r"died|dead|kill|crash|signal|not",
                 targets=["conv_block"]), tags=("resources",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        import os, signal


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            os.kill(os.getpid(), signal.SIGKILL)
    '''))
    ctx.drop_calls(nb, "conv_block")
    return files_of({"02_encoder": nb, "03_decoder": ctx.solved("03_decoder")})


@scenario("resource-segfault",
          "05_training: compile_model and pixel_accuracy solved, mean_iou segfaults (ctypes.string_at(0)) "
          "when called; the attack costs mean_iou only",
          ("05_training",),
          expect({**full("05_training"), **zero("mean_iou")}, r"died|dead|segment|SIGSEGV|signal|crash|not",
                 targets=["mean_iou"]), tags=("resources",))
def _(ctx):
    nb = ctx.solved("05_training")
    ctx.replace_function(nb, "mean_iou", code('''
        import ctypes


        def mean_iou(y_true, y_pred, n_classes=23):
            return ctypes.string_at(0)
    '''))
    ctx.drop_calls(nb, "mean_iou")
    return files_of({"05_training": nb})


@scenario("resource-os-exit",
          "01_data: every function solved but make_dataset, which calls os._exit(0) (a 'clean' exit "
          "code) when called",
          ("01_data",), expect({**full("01_data"), **zero("make_dataset")}, r"died|dead|exit|crash|not",
                               targets=["make_dataset"]), tags=("resources",))
def _(ctx):
    nb = ctx.solved("01_data")
    ctx.replace_function(nb, "make_dataset", code('''
        def make_dataset(pairs, loader, batch_size=32, shuffle=False, seed=0):
            os._exit(0)
    '''))
    ctx.drop_calls(nb, "make_dataset")
    return files_of({"01_data": nb})


@scenario("resource-fork-bomb",
          "03_decoder: the transposed functions solved, upsampling_block is a fork bomb",
          ("03_decoder",), expect({**full("03_decoder"), **zero("upsampling_block")},
                                  r"process|fork|resource|time|killed|died|not", targets=["upsampling_block"]),
          tags=("resources",))
def _(ctx):
    nb = ctx.solved("03_decoder")
    ctx.replace_function(nb, "upsampling_block", code('''
        import os


        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    '''))
    ctx.drop_calls(nb, "upsampling_block")
    return files_of({"03_decoder": nb})


@scenario("resource-memory-bomb",
          "conv_block allocates and touches 100 MB every 50 ms, forever; 03_decoder solved",
          ("02_encoder", "03_decoder"),
          expect({**zero("conv_block"), **full("03_decoder")}, r"memory|Memory|killed|died|not", targets=["conv_block"]),
          tags=("resources",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        import time


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            hoard = []
            while True:
                hoard.append(b"x" * (100 * 2**20))
                time.sleep(0.05)
    '''))
    ctx.drop_calls(nb, "conv_block")
    return files_of({"02_encoder": nb, "03_decoder": ctx.solved("03_decoder")})


@scenario("resource-infinite-output",
          "03_decoder: the transposed functions solved, upsampling_block prints to stdout and stderr "
          "forever",
          ("03_decoder",), expect({**full("03_decoder"), **zero("upsampling_block")},
                                  r"output|time|interrupt|not", targets=["upsampling_block"]), tags=("resources", "output"))
def _(ctx):
    nb = ctx.solved("03_decoder")
    ctx.replace_function(nb, "upsampling_block", code('''
        import sys


        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            while True:
                print("spam " * 2000)
                sys.stderr.write("eggs " * 2000 + "\\n")
    '''))
    ctx.drop_calls(nb, "upsampling_block")
    return files_of({"03_decoder": nb})


@scenario("resource-ignore-sigint-sleep",
          "unet_model ignores SIGINT, SIGTERM, SIGHUP, ... and sleeps forever, swallowing every "
          "exception; 02_encoder solved",
          ("04_unet", "02_encoder"),
          expect({**zero("unet_model"), **full("02_encoder")}, r"time|interrupt|killed|not", targets=["unet_model"]),
          tags=("resources",))
def _(ctx):
    nb = ctx.release("04_unet")
    ctx.replace_function(nb, "unet_model", code('''
        import signal, time


        def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
            for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM"):
                try:
                    signal.signal(getattr(signal, name), signal.SIG_IGN)
                except Exception:
                    pass
            while True:
                try:
                    time.sleep(3600)
                except BaseException:
                    pass
    '''))
    ctx.drop_calls(nb, "unet_model")
    return files_of({"04_unet": nb, "02_encoder": ctx.solved("02_encoder")})


@scenario("resource-slow-answers",
          "05_training: compile_model solved; pixel_accuracy sleeps 15 s and mean_iou spins 15 s per "
          "call, then both answer a wrong 0.5 (the judge's time, not the student's)",
          ("05_training",),
          expect({**full("05_training"), **zero("pixel_accuracy", "mean_iou")}, r"time|slow|expected|not|differ",
                 targets=["pixel_accuracy", "mean_iou"]), tags=("resources",))
def _(ctx):
    nb = ctx.solved("05_training")
    ctx.replace_function(nb, "pixel_accuracy", code('''
        import time


        def pixel_accuracy(y_true, y_pred):
            time.sleep(15)
            return 0.5
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        def mean_iou(y_true, y_pred, n_classes=23):
            end = time.time() + 15
            while time.time() < end:
                pass
            return 0.5
    '''))
    ctx.drop_calls(nb, "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


@scenario("resource-disk-fill",
          "conv_block writes 50000 empty files and 2 GB of data into each of the working folder, home, "
          "/tmp and /dev/shm (no disk quota), then raises NotImplementedError",
          ("02_encoder",), expect(zero("conv_block"), r"NotImplementedError|space|quota|disk|not|time",
                                  targets=["conv_block"]), tags=("resources",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        import os


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            chunk = b"\\0" * 2**20
            for folder in (os.getcwd(), os.path.expanduser("~"), "/tmp", "/dev/shm"):
                try:
                    target = os.path.join(folder, "fill")
                    os.makedirs(target, exist_ok=True)
                    for index in range(50000):
                        open(os.path.join(target, f"{index:06d}"), "wb").close()
                    for index in range(8):
                        with open(os.path.join(target, f"big{index}"), "wb") as handle:
                            for _ in range(256):
                                handle.write(chunk)
                except OSError as error:
                    print(folder, error)
            raise NotImplementedError()
    '''))
    ctx.drop_calls(nb, "conv_block")
    return files_of({"02_encoder": nb})


@scenario("resource-signals-to-grader",
          "conv_block sends SIGSTOP to every process it can see whose command line names python, "
          "grader, judge, nbgrader, jupyter or pytest, to its parent, and to -1 (all it may signal). "
          "Unsafe without the full sandbox: it stops the grader itself",
          ("02_encoder",), expect(zero("conv_block"), r"not|fail|time|stop", targets=["conv_block"]),
          needs_sandbox=True, tags=("resources", "judge"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        import os, signal


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            me = os.getpid()
            for entry in os.listdir("/proc"):
                if not entry.isdigit() or int(entry) == me:
                    continue
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as handle:
                        cmdline = handle.read().replace(b"\\0", b" ").decode("utf-8", "replace")
                except OSError:
                    continue
                if any(word in cmdline for word in ("grader", "judge", "nbgrader", "pytest", "jupyter", "python")):
                    try:
                        os.kill(int(entry), signal.SIGSTOP)
                    except OSError:
                        pass
            for pid in (os.getppid(), -1):
                try:
                    os.kill(pid, signal.SIGSTOP)
                except OSError:
                    pass
            raise NotImplementedError()
    '''))
    ctx.drop_calls(nb, "conv_block")
    return files_of({"02_encoder": nb})


