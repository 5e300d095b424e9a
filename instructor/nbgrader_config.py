"""The U-Net course root: nbgrader's configuration and the grader's, in one file.

    source/unet/        the instructor's notebooks: solutions and hidden tests (committed)
    source/unet_original/   the extension on the original U-Net (its own assignment, 50 points)
    release/unet/       the student version (python -m grader release; git-ignored)
    submitted/<student>/unet/, autograded/, feedback/, gradebook.db   (git-ignored)
    bundle/unet.zip     what students get (python -m grader release; git-ignored)

Every command runs from the repository root with `--course-root instructor`, or from this
folder. What the grader settings mean: grader/settings.py, or `python -m grader limits`.
"""

c = get_config()  # provided by traitlets when it loads this file

c.CourseDirectory.course_id = "unet-segmentation"
# The main assignment; commands take --assignment for another one.
c.CourseDirectory.assignment_id = "unet"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# The gradebook is <root>/gradebook.db (sqlite). For many graders sharing one, e.g.:
# c.CourseDirectory.db_url = "postgresql+psycopg2://grader@dbhost/unet"  (the driver in requirements.txt)

# What replaces a solution region in the student version.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# nbgrader's own entry points (its commands, the formgrader's buttons) do the grader's safe thing or
# refuse, naming the grader's command: what each does and why, grader/nbgrader_guard.py.
c.Autograde.autograde_preprocessors = ["grader.nbgrader_guard.UseTheGrader"]
c.Autograde.exporter_class = "grader.nbgrader_guard.AutogradeByTheGrader"
c.GenerateFeedback.exporter_class = "grader.nbgrader_guard.FeedbackByTheGrader"
c.ExchangeFactory.release_feedback = "grader.nbgrader_guard.NoReleaseFeedback"
c.ExchangeFactory.collect = "grader.nbgrader_guard.NoCollect"
c.ZipCollectApp.extractor_plugin = "grader.nbgrader_guard.NoZipCollect"
c.ExportApp.plugin_class = "grader.nbgrader_guard.NoExport"
c.GenerateSolution.preprocessors = [  # nbgrader's, with the hidden tests cleared
    "nbgrader.preprocessors.IncludeHeaderFooter", "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ClearHiddenTests", "nbgrader.preprocessors.Execute"]
c.HTMLExporter.sanitize_html = True  # a student's HTML output runs no script in the formgrader

# ---- the grader -------------------------------------------------------------------------
# Limits for TensorFlow notebooks on a CPU. While grading, the notebooks run in fast mode
# (a few training steps on the small generated set): every cell takes seconds; these limits
# only stop a runaway submission. Measured: training the default U-Net peaks near 1.4 GB.
c.GraderLimits.cell_timeout = 300
c.GraderLimits.notebook_timeout = 1200
c.GraderLimits.memory_mb = 6144
c.GraderLimits.data_mb = 10240  # TensorFlow reserves far more address space than it touches
c.GraderLimits.processes = 512  # TensorFlow starts a thread pool per core

# Kernels may read the course library, the checkers and the data, never write them. Each
# kernel also gets the definitions of the notebooks BEFORE its own (never its own), in the
# folder COURSE_EARLIER_DIR names: course.earlier gives notebook 4 the reference conv_block,
# so that a wrong conv_block costs its own points only.
c.GraderSandbox.readable = ["../course", "../test_utils", "../data"]
c.GraderSandbox.earlier_env = "COURSE_EARLIER_DIR"

# The judge runs every test cell with test_utils' checkers, outside the sandbox.
c.GraderJudge.preload = ["course.tensorflow_setup", "tensorflow"]

# Before grading, outside the sandbox: the small scene set the notebooks use in fast mode.
c.GraderCourse.prepare = ["{python}", "-m", "course.data_setup", "--preset", "fast", "--quiet"]
# `release` writes the student notebooks here (committed, for self-study learners) ...
c.GraderCourse.student_notebooks = {"unet": "../notebooks", "unet_original": "../notebooks/extension"}
# ... and the bundle a class gets instead of the repository (no solutions, no hidden tests).
c.GraderCourse.bundle = [
    "bundle-README-{assignment}.md=>README.md",  # a README of its own for each assignment
    "../requirements.txt",
    "../requirements-gpu.txt",
    "../start-course",
    "../tools/venv.sh=>tools/venv.sh",
    "../tools/jupyter-student=>tools/jupyter-student",
    "../course",
    "../test_utils",
    "../grader/__init__.py=>grader/__init__.py",  # the checkers import the grader's protocol, and
    "../grader/protocol.py=>grader/protocol.py",  # nothing else of the grader (tests/test_import_rules.py)
    "../data/README.md=>data/README.md",
    "../data/card=>data/card",
    "../data/measured=>data/measured",
]
# Left out: caches, generated data, and the instructor's tools that read the source notebooks.
c.GraderCourse.bundle_exclude = ["__pycache__", "*.pyc", ".ipynb_checkpoints", "generated", "reference.py",
                                 "generate.py"]
