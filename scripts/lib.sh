# shellcheck shell=bash
# scripts/lib.sh -- shared helpers of scripts/run, scripts/test and .ci/run:
# the Debian dependency list (the one place it is kept), the build, the
# assembly of a www tree and the generation of an nginx configuration
# around deploy/nginx/bureau-site.conf.
#
# Sourced:   . scripts/lib.sh
# Executed:  scripts/lib.sh nginx-conf OPTIONS...   (see bureau_nginx_conf)
#            scripts/lib.sh www DEST
#            scripts/lib.sh deps [--update]
#            scripts/lib.sh build BUILDDIR [CONFIGURE-ARGS...]
# The test harness (tests/integration/harness.py) calls it executed, so
# tests, scripts/run and production share one nginx site body.

BUREAU_SRC=${BUREAU_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# --- dependencies: the one list ------------------------------------------

# To build bureaud, bureauctl and the plugins, and run `make check`.
BUREAU_DEBS_BUILD="build-essential autoconf automake libtool pkg-config
  libfcgi-dev libjansson-dev libsodium-dev libsqlite3-dev sqlite3
  libinih-dev libcsv-dev libxlsxwriter-dev libcrack2-dev cracklib-runtime
  libsystemd-dev libcmocka-dev"
# To run it locally and to run the integration tests.
BUREAU_DEBS_RUN="nginx-light curl openssl python3 ca-certificates"
# Load generation for the reload/plugin-switch tests and bench/.
BUREAU_DEBS_TEST="wrk"
# The web UI (ECharts from npm) and its browser tests; only when the tree
# has a package.json.  Nodesource's nodejs carries npm: checked by command.
BUREAU_DEBS_UI="nodejs npm chromium"
# Issue 9 suites, only when their directory exists.
BUREAU_DEBS_FUZZ="clang"
BUREAU_DEBS_SCAN="sqlmap wapiti"

bureau_log() { printf '==> %s\n' "$*" >&2; }
bureau_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The packages this tree needs, one per line.
bureau_deps_wanted() {
	local p
	for p in $BUREAU_DEBS_BUILD $BUREAU_DEBS_RUN $BUREAU_DEBS_TEST; do
		echo "$p"
	done
	if [[ -f "$BUREAU_SRC/package.json" ]]; then
		for p in $BUREAU_DEBS_UI; do echo "$p"; done
	fi
	if [[ -d "$BUREAU_SRC/tests/fuzz" ]]; then
		for p in $BUREAU_DEBS_FUZZ; do echo "$p"; done
	fi
	if [[ -d "$BUREAU_SRC/tests/scanners" ]]; then
		for p in $BUREAU_DEBS_SCAN; do echo "$p"; done
	fi
	for p in ${BUREAU_EXTRA_DEBS:-}; do echo "$p"; done
}

# Is package $1 (or what it provides) already there?
bureau_dep_present() {
	local p=$1 st
	case $p in
	# Satisfied by any nginx flavour, and by nodesource's nodejs (npm).
	nginx-light)	command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] && return 0 ;;
	nodejs)		command -v node >/dev/null 2>&1 && return 0 ;;
	npm)		command -v npm >/dev/null 2>&1 && return 0 ;;
	chromium)	command -v chromium >/dev/null 2>&1 && return 0 ;;
	esac
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || return 1
	[[ $st == *"ok installed"* ]]
}

bureau_deps_missing() {
	local p
	for p in $(bureau_deps_wanted); do
		bureau_dep_present "$p" || echo "$p"
	done
}

# Runs a command as root: directly, or through sudo.
bureau_as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		bureau_die "need root (or sudo) to run: $*"
	fi
}

# Installs what is missing.  --update: apt-get update first (CI, fresh
# machines); otherwise only when the first attempt fails.
bureau_install_deps() {
	local update=0 missing
	[[ ${1:-} == --update ]] && update=1
	command -v dpkg-query >/dev/null 2>&1 ||
	    bureau_die "not a Debian system: install by hand: $(bureau_deps_wanted | tr '\n' ' ')"
	missing=$(bureau_deps_missing | tr '\n' ' ')
	if [[ -z ${missing// /} ]]; then
		return 0
	fi
	bureau_log "installing Debian packages: $missing"
	export DEBIAN_FRONTEND=noninteractive
	local apt=(apt-get -y -q -o Dpkg::Use-Pty=0 install --no-install-recommends)
	if [[ $update -eq 1 ]]; then
		bureau_as_root apt-get -q update
		# shellcheck disable=SC2086
		bureau_as_root env DEBIAN_FRONTEND=noninteractive "${apt[@]}" $missing
	else
		# shellcheck disable=SC2086
		bureau_as_root env DEBIAN_FRONTEND=noninteractive "${apt[@]}" $missing || {
			bureau_as_root apt-get -q update
			# shellcheck disable=SC2086
			bureau_as_root env DEBIAN_FRONTEND=noninteractive "${apt[@]}" $missing
		}
	fi
	missing=$(bureau_deps_missing | tr '\n' ' ')
	[[ -z ${missing// /} ]] || bureau_die "still missing after apt-get: $missing"
}

# --- build ------------------------------------------------------------------

bureau_nproc() { nproc 2>/dev/null || echo 2; }

# bureau_build BUILDDIR [CONFIGURE-ARGS...]: autoreconf when the tree has
# no configure yet, configure when BUILDDIR has no Makefile or was
# configured with other arguments, then make (the Makefile reruns
# automake/autoconf itself when their inputs change).
bureau_build() {
	local builddir=$1; shift
	local args="$*" stamp
	if [[ ! -x $BUREAU_SRC/configure ]]; then
		bureau_log "autoreconf -fi"
		(cd "$BUREAU_SRC" && autoreconf -fi >/dev/null 2>"$BUREAU_SRC/autoreconf.log") || {
			cat "$BUREAU_SRC/autoreconf.log" >&2
			bureau_die "autoreconf failed"
		}
		rm -f "$BUREAU_SRC/autoreconf.log"
	fi
	mkdir -p "$builddir"
	stamp=$builddir/.bureau-configure-args
	if [[ ! -f $builddir/Makefile || ! -f $stamp || $(cat "$stamp") != "$args" ]]; then
		bureau_log "configure $args (in $builddir)"
		(cd "$builddir" && "$BUREAU_SRC/configure" -q "$@" 2>&1 |
		    grep -v "cannot remove 'core': Is a directory" >&2;
		    exit "${PIPESTATUS[0]}") ||
		    bureau_die "configure failed (see $builddir/config.log)"
		printf '%s' "$args" >"$stamp"
	fi
	bureau_log "make (in $builddir, log: $builddir/make.log)"
	if ! make -C "$builddir" -j"$(bureau_nproc)" >"$builddir/make.log" 2>&1; then
		grep -E -B2 -A6 'error|Error' "$builddir/make.log" | tail -n 60 >&2
		bureau_die "build failed (see $builddir/make.log)"
	fi
}

# Built plugin objects as "NAME PATH" lines: bundled (plugins/*) or, with
# "tests", the test plugins too.
bureau_built_plugins() {
	local builddir=$1 f n
	shopt -s nullglob
	for f in "$builddir"/plugins/*/.libs/*.so; do
		n=$(basename "$f" .so); echo "$n $f"
	done
	if [[ ${2:-} == tests ]]; then
		for f in "$builddir"/tests/plugins/.libs/*.so; do
			n=$(basename "$f" .so); echo "$n $f"
		done
	fi
	shopt -u nullglob
}

# Installs a plugin file the way production does: mode 0644, by rename
# (a loaded .so is never overwritten in place).
bureau_install_plugin() {
	local src=$1 dst=$2
	install -m 0644 "$src" "$dst.new.$$" && mv -f "$dst.new.$$" "$dst"
}

# --- www --------------------------------------------------------------------

# bureau_www DEST: a www tree for nginx as `make install` lays it out
# ($(wwwdir): the shell, plugins/NAME/ from plugins/NAME/www/, vendor/),
# made of symlinks into the source (edits show at once).
bureau_www() {
	local dest=$1 e n d
	rm -rf "$dest"; mkdir -p "$dest/plugins"
	shopt -s nullglob dotglob
	for e in "$BUREAU_SRC"/www/*; do
		n=$(basename "$e")
		case $n in *.mk|Makefile*|.*) continue ;; esac
		[[ $n == plugins ]] && continue
		ln -s "$e" "$dest/$n"
	done
	for d in "$BUREAU_SRC"/www/plugins/*/; do
		ln -s "${d%/}" "$dest/plugins/$(basename "$d")"
	done
	for d in "$BUREAU_SRC"/plugins/*/www/; do
		n=$(basename "$(dirname "$d")")
		[[ -e $dest/plugins/$n ]] || ln -s "${d%/}" "$dest/plugins/$n"
	done
	# vendor/: from www/vendor if the tree has one, else straight from npm.
	if [[ ! -e $dest/vendor && -d $BUREAU_SRC/node_modules/echarts/dist ]]; then
		mkdir -p "$dest/vendor"
		ln -s "$BUREAU_SRC/node_modules/echarts/dist" "$dest/vendor/echarts"
	fi
	shopt -u nullglob dotglob
}

# --- nginx ------------------------------------------------------------------

# bureau_nginx_conf --prefix DIR --listen ADDR:PORT --api-sock PATH
#     --login-sock PATH --www DIR [--tls-cert FILE --tls-key FILE]
#     [--redirect-listen ADDR:PORT] [--login-limit on|off]
#     [--server-name NAME] [--workers N]
# Writes DIR/nginx.conf: a whole nginx configuration of its own (run with
# `nginx -p DIR/ -c DIR/nginx.conf`, foreground, pid/logs/temp under DIR)
# whose server block is deploy/nginx/bureau-site.conf -- the production
# site's body -- reached through DIR/bureau -> deploy/nginx.
bureau_nginx_conf() {
	local prefix="" listen="" api="" login="" www="" cert="" key=""
	local redirect="" limit=on name=localhost workers=1 user_line=""
	while [[ $# -gt 0 ]]; do
		case $1 in
		--prefix) prefix=$2 ;;
		--listen) listen=$2 ;;
		--api-sock) api=$2 ;;
		--login-sock) login=$2 ;;
		--www) www=$2 ;;
		--tls-cert) cert=$2 ;;
		--tls-key) key=$2 ;;
		--redirect-listen) redirect=$2 ;;
		--login-limit) limit=$2 ;;
		--server-name) name=$2 ;;
		--workers) workers=$2 ;;
		*) bureau_die "nginx-conf: unknown option $1" ;;
		esac
		shift 2 || bureau_die "nginx-conf: $1 needs a value"
	done
	[[ -n $prefix && -n $listen && -n $api && -n $login && -n $www ]] ||
	    bureau_die "nginx-conf: --prefix --listen --api-sock --login-sock --www are required"
	mkdir -p "$prefix"/tmp/{body,fastcgi,proxy,scgi,uwsgi} "$prefix/logs"
	rm -f "$prefix/bureau"
	ln -s "$BUREAU_SRC/deploy/nginx" "$prefix/bureau"
	# nginx started by root switches its workers to "user"; the dev and
	# test prefixes (and the sources) may sit in private directories, so
	# the workers keep root's identity here.  Production: www-data.
	if [[ $(id -u) -eq 0 ]]; then
		user_line="user root root;"
	fi
	local limits tls="" port=${listen##*:} tls_host=${listen%:*}
	if [[ $limit == on ]]; then
		limits="include bureau/bureau-limits.conf;"
	else
		# The same zone, keyed on an empty value: nothing is counted.
		limits='limit_req_zone $bureau_no_limit zone=bureau_login:1m rate=10r/m;
    map $remote_addr $bureau_no_limit { default ""; }'
	fi
	if [[ -n $cert ]]; then
		tls="ssl_certificate $cert;
        ssl_certificate_key $key;
        include bureau/bureau-tls.conf;"
		listen="$listen ssl"
	fi
	{
		cat <<EOF
# Generated by scripts/lib.sh (bureau_nginx_conf) -- do not edit.
# nginx -p $prefix/ -c $prefix/nginx.conf
$user_line
daemon off;
worker_processes $workers;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;

events {
    worker_connections 2048;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;

    log_format bureau '\$remote_addr [\$time_local] "\$request" \$status '
                      '\$body_bytes_sent \$request_time "\$http_user_agent"';
    access_log $prefix/logs/access.log bureau;

    client_body_temp_path $prefix/tmp/body;
    fastcgi_temp_path $prefix/tmp/fastcgi;
    proxy_temp_path $prefix/tmp/proxy;
    scgi_temp_path $prefix/tmp/scgi;
    uwsgi_temp_path $prefix/tmp/uwsgi;

    include bureau/bureau-http.conf;
    $limits

    upstream bureau_api {
        server unix:$api;
    }
    upstream bureau_login {
        server unix:$login;
    }

    server {
        listen $listen;
        server_name $name;
        $tls
        root $www;

        include bureau/bureau-site.conf;
    }
EOF
		if [[ -n $redirect ]]; then
			cat <<EOF

    # Plain HTTP: redirect only (as in deploy/nginx/bureau.conf).
    server {
        listen $redirect;
        server_name $name;
        server_tokens off;
        location / {
            return 301 https://$tls_host:$port\$request_uri;
        }
    }
EOF
		fi
		echo "}"
	} >"$prefix/nginx.conf"
}

# --- misc -------------------------------------------------------------------

# A free TCP port on 127.0.0.1 (bound, then released).
bureau_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

bureau_random_password() {
	python3 -c 'import secrets; print(secrets.token_urlsafe(15))'
}

# Does bureauctl know subcommand $2 (its --help lists it)?
bureauctl_has() {
	local ctl=$1 cmd=$2
	"$ctl" --help 2>&1 | grep -Eq "^[[:space:]]*$cmd([[:space:]]|$)"
}

# --- executed as a command ----------------------------------------------------

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	cmd=${1:-}; shift || true
	case $cmd in
	nginx-conf)	bureau_nginx_conf "$@" ;;
	www)		bureau_www "$@" ;;
	deps)		bureau_install_deps "$@" ;;
	deps-list)	bureau_deps_wanted ;;
	build)		bureau_build "$@" ;;
	free-port)	bureau_free_port ;;
	*)		echo "usage: $0 nginx-conf|www|deps|deps-list|build|free-port ..." >&2; exit 2 ;;
	esac
fi
