/* cmd_user.c -- placeholder, being written */
