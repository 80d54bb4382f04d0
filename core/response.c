/* response.c -- placeholder, being written */
