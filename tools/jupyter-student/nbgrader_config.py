# The time limits of the student's Validate button (nbgrader's Validator reads this file from
# JUPYTER_CONFIG_PATH, which ./start-course sets). nbgrader's defaults (30 s a cell, 4 s for a
# cell's output, 60 s for the kernel to start) are too short for a slow or busy laptop, whose
# first `import tensorflow` alone can take a minute. While Validate runs, notebook 5 trains
# only a few steps (course.training.fast_mode), so no cell needs more than a few minutes.
c = get_config()  # given by nbgrader when it loads this file

c.Execute.timeout = 900  # seconds a cell may run
c.Execute.startup_timeout = 300  # seconds for the kernel to start
c.Execute.iopub_timeout = 120  # seconds to wait for a finished cell's last output
c.Execute.raise_on_iopub_timeout = False  # an output that comes late is a warning in the log, not an error
