"""Project-wide pytest setup. The conformance plugin itself loads through its
`pytest11` entry point (see pyproject.toml), so installed users get it too."""
