"""The course library: data, plotting, metrics and notebook helpers used by the notebooks.

Importing this package is cheap; code that needs TensorFlow imports
`course.tensorflow_setup` first (or calls its `import_tensorflow()`), which keeps
TensorFlow's C++ start-up lines out of notebooks and logs.
"""
