"""HTTP endpoints, grouped by audience; they call services/ and render templates/."""
