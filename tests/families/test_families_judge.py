"""The families' judge-side code called in the test process (fake sides for the workers): the
finite differences and kinks found, the points' validation, the diagnosis, the reports."""
