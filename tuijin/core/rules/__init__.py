"""Pure rules of the core app: the working-day calendar and its holiday schedules."""
