# The toy course of the grader's tests (the course root is this folder).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "toy"
