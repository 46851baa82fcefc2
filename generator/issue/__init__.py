"""Issue stage: the weekly issue's context, text filters, posts, charts, universe view, guide, email."""
