# Debian's archive as the project sees it, whatever the host has installed
# or enabled: sourced by the fetch scripts.
#
#   . sim/project-apt.sh
#   papt SUITES... -- apt-get|apt-cache ARGS...
#
# runs apt-get or apt-cache over a project-local view of the archive: the
# named suites only (bookworm, bookworm-updates, bookworm-security,
# bookworm-backports, trixie, trixie-backports, sid, ...), amd64 and arm64,
# package lists in .cache/apt/lists/SUITES, an empty dpkg status (so that resolving a
# meta package gives the archive's candidate, never the host's installed
# version) and none of the host's apt configuration, sources or pins. The
# mirror is the one the host's own sources use for Debian (and for
# security updates); nothing is written outside .cache/apt (or
# $EGM_APT_DIR).

papt_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
papt_dir=${EGM_APT_DIR:-$papt_top/.cache/apt}

papt_die() { echo "project-apt: $*" >&2; exit 1; }

# The host's URI for an archive path ("debian" or "debian-security"), from
# its one-line and deb822 source files, whichever it has.
papt_host_uri() {
	local f uris=
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uris+=$(sed -n 's/^deb \(\[[^]]*\] \)\?\([^ ]*\) .*/\2/p' "$f")$'\n'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uris+=$(sed -n 's/^URIs: *//p' "$f" | tr ' ' '\n')$'\n'
	done
	echo "$uris" | grep -E "/$1/?\$" | head -n1 | sed 's|/$||' || true
}

# One word for a set of suites: bookworm+bookworm-updates.
papt_name() {
	local IFS=+
	echo "$*"
}

papt_setup() {
	local mirror security
	[ -f "$papt_dir/mirror" ] && return 0
	mirror=$(papt_host_uri debian)
	security=$(papt_host_uri debian-security)
	[ -n "$mirror" ] || papt_die "the host's apt sources name no Debian archive to read"
	[ -n "$security" ] || security=${mirror%/debian}/debian-security
	mkdir -p "$papt_dir/lists" "$papt_dir/archives/partial" "$papt_dir/etc/parts" \
		"$papt_dir/etc/sources.list.d" "$papt_dir/etc/preferences.d"
	: >"$papt_dir/status"
	echo "$security" >"$papt_dir/security"
	echo "$mirror" >"$papt_dir/mirror"
}

# A source list of these suites only, by name.
papt_sources() {
	local list suite uri
	list=$papt_dir/etc/$(papt_name "$@").list
	for suite in "$@"; do
		uri=$(cat "$papt_dir/mirror")
		case $suite in *-security) uri=$(cat "$papt_dir/security") ;; esac
		echo "deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main"
	done >"$list.new"
	mv "$list.new" "$list"
	echo "$list"
}

papt() {
	local suites=() list lists tool
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		suites+=("$1")
		shift
	done
	shift
	tool=$1
	shift
	papt_setup
	list=$(papt_sources "${suites[@]}")
	# Lists of their own: an update drops the lists its sources lack.
	lists=$papt_dir/lists/$(basename "$list" .list)
	mkdir -p "$lists/partial"
	local opts=(-o "Dir::Etc::SourceList=$list" -o "Dir::Etc::SourceParts=$papt_dir/etc/sources.list.d"
		-o "Dir::Etc::Parts=$papt_dir/etc/parts" -o "Dir::Etc::Preferences=/dev/null"
		-o "Dir::Etc::PreferencesParts=$papt_dir/etc/preferences.d"
		-o "Dir::State::Lists=$lists" -o "Dir::State::status=$papt_dir/status"
		-o "Dir::Cache=$papt_dir" -o "Dir::Cache::Archives=$papt_dir/archives"
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
		-o APT::Architecture=amd64 -o APT::Architectures=amd64,arm64
		-o Acquire::Languages=none -o APT::Sandbox::User=root -o APT::Default-Release=)
	APT_CONFIG=/dev/null "$tool" "${opts[@]}" "$@"
}

# Reads the suites' package lists when they are missing or a day old.
papt_update() {
	local stamp
	stamp=$papt_dir/updated-$(papt_name "$@")
	papt_setup
	if [ -f "$stamp" ] && [ -z "$(find "$stamp" -mmin +1440)" ]; then
		return 0
	fi
	papt "$@" -- apt-get update -q >"$papt_dir/update.log" 2>&1 ||
		papt_die "cannot read the package lists of $* ($(tail -n 3 "$papt_dir/update.log" | tr '\n' ' '))"
	touch "$stamp"
}
