# The toy course of the grader's tests (the course root is this folder): nbgrader's settings
# and the grader's, in one file, as in any course the grader is pointed at.
c = get_config()
c.CourseDirectory.course_id = "toy"

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

# Pure Python notebooks: everything is tight and bad submissions fail fast.
c.GraderLimits.cell_timeout = 4
c.GraderLimits.notebook_timeout = 40
c.GraderLimits.interrupt_grace = 3
c.GraderLimits.startup_timeout = 60
c.GraderLimits.memory_mb = 400
c.GraderLimits.data_mb = 600
c.GraderLimits.processes = 32
c.GraderLimits.file_size_mb = 16
c.GraderLimits.tmp_mb = 16
c.GraderLimits.output_cell_kb = 64
c.GraderLimits.output_notebook_kb = 256

# The checkers live in lib/: kernels import it (read-only), the judge runs them.
c.GraderSandbox.pythonpath = ["lib"]
c.GraderSandbox.earlier_env = "TOY_EARLIER_DIR"
c.GraderJudge.pythonpath = ["lib"]
c.GraderJudge.probe_timeout = 4
