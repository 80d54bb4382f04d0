# projects plugin
