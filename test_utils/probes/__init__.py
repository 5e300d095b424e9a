"""Probes: run where the student's function runs, turn what it returns into plain data.

A probe takes the student's function and plain-data inputs chosen by a check, builds what
the call needs (Keras inputs, PNG files, a tf.data loader), calls the function, and returns
what came back as plain data: layer tables, arrays, orders, configurations. It decides
nothing: the check compares its answer with the reference's answer to the same probe, in
the student's notebook (from the course's generated answers) or in the grader's judge.
"""
