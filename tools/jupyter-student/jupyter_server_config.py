# The student's JupyterLab server (./start-course puts this folder on JUPYTER_CONFIG_PATH).
c = get_config()  # given by Jupyter when it loads this file

c.ServerApp.jpserver_extensions = {
    # none of nbgrader's instructor or exchange tools (the formgrader is `python -m grader formgrader`)
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    # Validate, answering with a short message instead of a traceback, and the course's CSS
    # (course/student_lab.py)
    "nbgrader.server_extensions.validate_assignment": False,
    "course.student_lab": True,
}

# custom/custom.css beside this file (served through course.student_lab): long output lines
# wrap between words
c.LabApp.custom_css = True
