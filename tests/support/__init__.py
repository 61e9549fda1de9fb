"""What the project's tests share: constants, builders and helpers, one module per kind."""
