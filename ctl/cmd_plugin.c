/* cmd_plugin.c -- placeholder, being written */
