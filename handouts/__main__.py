"""`python -m handouts` runs the CLI."""

from .cli import leave, main

leave(main())
