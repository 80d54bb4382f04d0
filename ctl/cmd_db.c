/* cmd_db.c -- placeholder, being written */
