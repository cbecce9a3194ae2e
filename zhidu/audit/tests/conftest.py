from zhidu.org.tests.conftest import hr, staff  # noqa: F401  (shared personas)
