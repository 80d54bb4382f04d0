/* app.c -- placeholder, being written */
