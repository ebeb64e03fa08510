"""Reference solutions of the exercises, for teachers (keep out of students' way).

Each ``chNN.py`` holds ``SOLUTIONS = {id: answer}`` and ``WRONG = {id: planted wrong answer}``;
``tests/exercises/test_solutions.py`` checks that every solution passes its check and every
planted wrong answer fails it.
"""
