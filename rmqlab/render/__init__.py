"""Pure renderers: model in, text out. Writing to disk is `rmqlab.render.files`."""
