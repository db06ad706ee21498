"""Creation of the seeded estate (runs in the services virtualenv, needs openstacksdk)."""
