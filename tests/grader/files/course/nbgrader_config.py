# The toy course of the grader's tests (the course root is this folder): nbgrader's settings
# and the grader's, in one file, as in any course the grader is pointed at.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "toy"
c.Autograde.autograde_preprocessors = ["grader.nbgrader_guard.UseTheGrader"]

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
