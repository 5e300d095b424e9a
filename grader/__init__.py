"""The course's grader: one command per step on top of nbgrader (see grader/README.md).

    python -m grader release | collect | autograde | feedback | export | check | limits

This folder is also the nbgrader course root of the U-Net course (nbgrader_config.py,
source/, and the working folders nbgrader creates).
"""
