#!/bin/sh
# liftshift agent installer (docs/agent-install.md). Run as root on the source server:
#   curl -fsS --insecure https://HOST/agent/v1/installer | sh -s -- --endpoint https://HOST \
#     --install-token T --ca-fingerprint sha256:HEX [--devices /dev/sda,/dev/sdb] [--tags k=v,...]
#     [--agent-args '--tracker TRACEFS'] [--s3-bucket B --s3-region R | --bundle-url https://...] [--no-prompt]
# Needs only sh, coreutils, tar, gzip and curl or wget: no Java, compiler, kernel headers or reboot.
# Trust comes from the fingerprint alone: the CA certificate is fetched, its SHA-256 checked, and only
# then used (pinned) for everything else; the bundle's checksum is verified before it is unpacked.
# The bundle itself may come from the CDK's software bucket in S3 (--s3-bucket/--s3-region or
# --bundle-url): its version and SHA-256 still come from the pinned control plane, so S3 only
# carries bytes that are checked against what the control plane vouches for.
# Re-running it upgrades (or does nothing when current); --uninstall removes everything.
set -u
umask 022

root=${LIFTSHIFT_AGENT_ROOT:-}          # empty on a real server; a directory prefix in tests
opt="$root/opt/liftshift-agent"
state="$root/var/lib/liftshift-agent"
unit_dir="$root/etc/systemd/system"
unit=liftshift-agent.service

endpoint="" token="" fingerprint="" devices="" tags="" prompt=1 action=install
agent_args="" agent_args_set=0
bundle_url="" s3_bucket="" s3_region=""
tmp="" new_release="" created_opt=0 created_opt_parent=0 created_state=0 done_ok=0

say() { printf '%s\n' "$*"; }
step() { printf '[%s] %s\n' "$1" "$2"; }
die() {
  printf 'liftshift-agent-installer: %s\n' "$*" >&2
  exit 1
}
usage() {
  cat <<'USAGE'
usage: sh liftshift-agent-installer.sh --endpoint https://HOST --install-token T --ca-fingerprint sha256:HEX
         [--devices /dev/sda,/dev/sdb] [--tags k=v,...] [--agent-args 'AGENT OPTIONS'] [--no-prompt]
         [--s3-bucket BUCKET --s3-region REGION | --bundle-url https://HOST/PREFIX/agent/v1]
       sh liftshift-agent-installer.sh --upgrade      (re-install the control plane's current agent)
       sh liftshift-agent-installer.sh --uninstall    (remove the agent, its service and its state)
USAGE
}

# Leaves nothing half-installed: a failed run removes what it created.
cleanup() {
  rc=$?
  [ -n "$tmp" ] && rm -rf "$tmp"
  if [ "$done_ok" -ne 1 ]; then
    [ -n "$new_release" ] && rm -rf "$new_release"
    [ "$created_opt" -eq 1 ] && rm -rf "$opt"
    [ "$created_opt_parent" -eq 1 ] && rmdir "${opt%/*}" 2>/dev/null
    [ "$created_state" -eq 1 ] && rm -rf "$state"
  fi
  exit $rc
}

while [ $# -gt 0 ]; do
  case "$1" in
    --endpoint) endpoint=${2:-}; shift 2 ;;
    --endpoint=*) endpoint=${1#*=}; shift ;;
    --install-token) token=${2:-}; shift 2 ;;
    --install-token=*) token=${1#*=}; shift ;;
    --ca-fingerprint) fingerprint=${2:-}; shift 2 ;;
    --ca-fingerprint=*) fingerprint=${1#*=}; shift ;;
    --devices) devices=${2:-}; shift 2 ;;
    --devices=*) devices=${1#*=}; shift ;;
    --tags) tags=${2:-}; shift 2 ;;
    --tags=*) tags=${1#*=}; shift ;;
    --agent-args) agent_args=${2:-}; agent_args_set=1; shift 2 ;;
    --agent-args=*) agent_args=${1#*=}; agent_args_set=1; shift ;;
    --bundle-url) bundle_url=${2:-}; shift 2 ;;
    --bundle-url=*) bundle_url=${1#*=}; shift ;;
    --s3-bucket) s3_bucket=${2:-}; shift 2 ;;
    --s3-bucket=*) s3_bucket=${1#*=}; shift ;;
    --s3-region) s3_region=${2:-}; shift 2 ;;
    --s3-region=*) s3_region=${1#*=}; shift ;;
    --no-prompt) prompt=0; shift ;;
    --upgrade) action=upgrade; shift ;;
    --uninstall) action=uninstall; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done

[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || die "run as root (sudo sh ...): the agent reads block devices and installs a service"

systemd_running() { [ -z "$root" ] && [ -d /run/systemd/system ]; }

# systemctl against the installed tree: live when systemd runs, else offline (a chroot, a prefix).
sysctl_offline() {
  if command -v systemctl >/dev/null 2>&1; then
    if [ -n "$root" ]; then systemctl --root="$root" "$@" >/dev/null 2>&1; else systemctl "$@" >/dev/null 2>&1; fi
  else
    return 1
  fi
}

enable_unit() {
  if systemd_running; then
    systemctl daemon-reload && systemctl enable "$unit" >/dev/null 2>&1 && return 0
  fi
  sysctl_offline enable "$unit" && [ -L "$unit_dir/multi-user.target.wants/$unit" ] && return 0
  # No systemctl here: the symlink is all 'enable' makes for WantedBy=multi-user.target.
  mkdir -p "$unit_dir/multi-user.target.wants" &&
    ln -sfn "/etc/systemd/system/$unit" "$unit_dir/multi-user.target.wants/$unit"
}

uninstall() {
  step 1/2 "Stopping and disabling the liftshift agent service"
  if systemd_running; then
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  else
    sysctl_offline disable "$unit" || true
  fi
  rm -f "$unit_dir/multi-user.target.wants/$unit" "$unit_dir/$unit"
  systemd_running && systemctl daemon-reload >/dev/null 2>&1
  step 2/2 "Removing $opt and $state (the source disks are not touched)"
  rm -rf "$opt" "$state"
  say "liftshift agent removed. The source server stays in the control plane until DisconnectFromService."
}

if [ "$action" = uninstall ]; then
  uninstall
  exit 0
fi

# --upgrade (the agent's self-upgrade) and a re-run without flags take what registration stored.
if [ -f "$state/agent.properties" ]; then
  prop() { sed -n "s/^$1=//p" "$state/agent.properties" | sed 's/\\//g' | head -n 1; }
  [ -n "$endpoint" ] || endpoint=$(prop endpoint)
  [ -n "$fingerprint" ] || fingerprint=$(prop caFingerprint)
fi
if [ -f "$state/install.conf" ]; then
  [ -n "$devices" ] || devices=$(sed -n 's/^devices=//p' "$state/install.conf")
  [ "$agent_args_set" -eq 1 ] || agent_args=$(sed -n 's/^agent_args=//p' "$state/install.conf")
  [ -n "$bundle_url$s3_bucket" ] || bundle_url=$(sed -n 's/^bundle_url=//p' "$state/install.conf")
fi
# The software bucket's virtual-hosted address, as the CDK stack's SoftwareBucket publishes it.
if [ -n "$s3_bucket" ]; then
  [ -z "$bundle_url" ] || die "give either --bundle-url or --s3-bucket/--s3-region, not both"
  [ -n "$s3_region" ] || die "--s3-bucket needs --s3-region (the region of the liftshift stack)"
  printf '%s' "$s3_bucket$s3_region" | grep -Eq '^[a-z0-9][a-z0-9.-]*$' ||
    die "--s3-bucket/--s3-region: '$s3_bucket' in '$s3_region' is not an S3 bucket name and region"
  bundle_url="https://$s3_bucket.s3.$s3_region.amazonaws.com/software/agent/v1"
fi
bundle_url=${bundle_url%/}
case "$bundle_url" in
  ""|https://*) ;;
  *) die "--bundle-url must be an https:// address (the S3 software bucket's agent/v1 prefix), got '$bundle_url'" ;;
esac
case "$bundle_url" in
  *[!A-Za-z0-9._~:/%+-]*) die "--bundle-url '$bundle_url' holds characters a URL prefix does not need" ;;
esac
# They go on the service's ExecStart line, which systemd splits and expands itself ($, %, quotes):
# only plain option words are let through.
case "$agent_args" in
  *[!A-Za-z0-9._=/:,+\ -]*)
    die "--agent-args '$agent_args': only the agent's options as plain words (letters, digits, spaces, . _ = / : , + -), e.g. '--tracker TRACEFS --no-verify'" ;;
esac
[ -n "$endpoint" ] || { usage >&2; die "--endpoint https://HOST is required (the control plane)"; }
[ -n "$fingerprint" ] || { usage >&2; die "--ca-fingerprint sha256:HEX is required (liftshift ca show prints it)"; }
endpoint=${endpoint%/}
hex=$(printf '%s' "${fingerprint#sha256:}" | tr -d ':' | tr 'A-F' 'a-f')
printf '%s' "$hex" | grep -Eq '^[0-9a-f]{64}$' ||
  die "--ca-fingerprint must be sha256: followed by 64 hex digits (liftshift ca show prints it), got '$fingerprint'"
if [ ! -f "$state/agent.properties" ] && [ -z "$token" ]; then
  die "--install-token is required for a first install (liftshift admin create-install-token makes one)"
fi

for tool in tar gzip sha256sum base64 sed mktemp; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing: the installer needs sh, coreutils, tar, gzip and curl or wget"
done
if command -v curl >/dev/null 2>&1; then fetcher=curl
elif command -v wget >/dev/null 2>&1; then fetcher=wget
else die "neither curl nor wget is installed: one of them is needed to download the agent"; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/liftshift-agent.XXXXXX") || die "cannot create a temporary directory"
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# fetch PATH FILE [pinned|public]: fails with a message naming the cause. PATH is under the
# control plane's address; 'public' takes a whole URL (S3), checked with the system's CAs.
fetch() {
  url="$endpoint$1"
  [ "${3:-}" = public ] && url=$1
  if [ "${3:-}" = public ]; then
    if [ "$fetcher" = curl ]; then
      curl -fsS --connect-timeout 10 --max-time 600 -o "$2" "$url" 2>"$tmp/err"
    else
      wget -q -T 10 -O "$2" "$url" 2>"$tmp/err"
    fi
    rc=$?
    [ $rc -eq 0 ] && return 0
    detail=$(head -c 300 "$tmp/err" 2>/dev/null)
    die "downloading the bundle from $url failed ($detail): check that this server reaches S3 over HTTPS (443) and that the stack published the agent there, or leave out --bundle-url/--s3-bucket to download it from the control plane"
  fi
  if [ "$fetcher" = curl ]; then
    if [ "${3:-}" = pinned ]; then
      curl -fsS --connect-timeout 10 --max-time 600 --cacert "$tmp/ca.pem" -o "$2" "$url" 2>"$tmp/err"
    else
      curl -fsS --connect-timeout 10 --max-time 60 --insecure -o "$2" "$url" 2>"$tmp/err"
    fi
  else
    if [ "${3:-}" = pinned ]; then
      wget -q -T 10 --ca-certificate="$tmp/ca.pem" -O "$2" "$url" 2>"$tmp/err"
    else
      wget -q -T 10 --no-check-certificate -O "$2" "$url" 2>"$tmp/err"
    fi
  fi
  rc=$?
  [ $rc -eq 0 ] && return 0
  detail=$(head -c 300 "$tmp/err" 2>/dev/null)
  case "$fetcher:$rc" in
    curl:6|curl:7|curl:28|wget:4)
      die "cannot reach the control plane at $endpoint ($detail): check the address and that TCP 443 is open from this server" ;;
    curl:60|curl:35|curl:51|wget:5)
      die "the control plane at $endpoint did not prove its identity with the pinned CA ($detail): its certificate must name the host in --endpoint (control-plane --san)" ;;
    *)
      die "downloading $url failed ($detail)" ;;
  esac
}

say "liftshift agent installer: control plane $endpoint"
step 1/7 "Authenticating the control plane (CA fingerprint sha256:$hex)"
fetch /agent/v1/ca.pem "$tmp/ca.pem"
got=$(sed '/-----/d' "$tmp/ca.pem" | base64 -d 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$got" = "$hex" ] ||
  die "wrong CA fingerprint: $endpoint presents a CA with sha256:$got, not sha256:$hex. Check --ca-fingerprint against 'liftshift ca show' on the control plane (or someone is intercepting this connection). Nothing was installed."

step 2/7 "Identifying disks for replication"
if [ -z "$devices" ]; then
  # Every local disk, excluding removable and read-only ones.
  if command -v lsblk >/dev/null 2>&1; then
    devices=$(lsblk -dnpo NAME,TYPE,RM,RO 2>/dev/null | awk '$2=="disk" && $3=="0" && $4=="0" {print $1}' | paste -sd, -)
  else
    for d in /sys/block/*; do
      n=${d##*/}
      case "$n" in loop*|ram*|zram*|dm-*|md*|sr*|fd*|nbd*) continue ;; esac
      [ "$(cat "$d/removable" 2>/dev/null)" = 0 ] && [ "$(cat "$d/ro" 2>/dev/null)" = 0 ] || continue
      devices="${devices:+$devices,}/dev/$n"
    done
  fi
fi
[ -n "$devices" ] || die "no local disk found to replicate: name them with --devices /dev/sda,/dev/sdb"
disk_args=""
old_ifs=$IFS; IFS=,
for d in $devices; do
  [ -b "$root$d" ] || [ -f "$root$d" ] || [ -b "$d" ] || [ -f "$d" ] || die "--devices: $d is not a block device (lsblk lists the disks)"
  disk_args="$disk_args --disk $d"
done
tag_args=""
for t in $tags; do
  case "$t" in *=*) tag_args="$tag_args --tag $t" ;; *) die "--tags: '$t' is not KEY=VALUE" ;; esac
done
IFS=$old_ifs
say "    disks: $devices"

case "$(uname -m)" in
  x86_64|amd64) arch=x86_64 ;;
  aarch64|arm64) arch=aarch64 ;;
  *) die "no liftshift agent for $(uname -m) (x86_64 and aarch64 only)" ;;
esac

step 3/7 "Downloading the liftshift agent"
fetch /agent/v1/version "$tmp/version.json" pinned
version=$(sed -n 's/.*"agentVersion":"\([^"]*\)".*/\1/p' "$tmp/version.json")
bundle=$(sed -n "s/.*\"$arch\":\"\\([^\"]*\\)\".*/\\1/p" "$tmp/version.json")
[ -n "$version" ] && [ -n "$bundle" ] || die "the control plane serves no agent bundle for $arch"
case "$version$bundle" in */*|*..*) die "the control plane named an unsafe bundle '$bundle'" ;; esac
release="$opt/releases/$version"
fetch "/agent/v1/bundle/$bundle.sha256" "$tmp/$bundle.sha256" pinned
want=$(cut -d' ' -f1 "$tmp/$bundle.sha256")
printf '%s' "$want" | grep -Eq '^[0-9a-f]{64}$' || die "the bundle's checksum file is malformed"
current=""
[ -L "$opt/current" ] && current=$(readlink "$opt/current")
if [ -f "$release/BUNDLE_SHA256" ] && [ "$(cat "$release/BUNDLE_SHA256")" = "$want" ]; then
  say "    version $version is already installed and verified: nothing to download"
else
  if [ -n "$bundle_url" ]; then
    say "    from $bundle_url (checked against the control plane's SHA-256)"
    fetch "$bundle_url/bundle/$bundle" "$tmp/$bundle" public
  else
    fetch "/agent/v1/bundle/$bundle" "$tmp/$bundle" pinned
  fi
  got=$(sha256sum "$tmp/$bundle" | cut -d' ' -f1)
  [ "$got" = "$want" ] ||
    die "the downloaded bundle $bundle is corrupt or tampered (sha256:$got, expected sha256:$want): nothing was installed; retry, and if it persists check ${bundle_url:-the control plane's agent bundle directory}"
  say "    $bundle: checksum verified"

  step 4/7 "Installing the liftshift agent $version into $opt"
  [ -d "$opt" ] || created_opt=1
  [ -d "${opt%/*}" ] || created_opt_parent=1
  mkdir -p "$opt/releases" || die "cannot create $opt"
  new_release="$opt/releases/.$version.$$"
  mkdir -p "$new_release" &&
    tar -xzf "$tmp/$bundle" -C "$new_release" --strip-components=1 --no-same-owner ||
    die "cannot unpack the bundle into $opt (disk full?)"
  printf '%s\n' "$want" >"$new_release/BUNDLE_SHA256"
  "$new_release/bin/liftshift-agent" --version >"$tmp/runtime-check" 2>&1 ||
    die "the agent's runtime does not start on this server ($(uname -srm): $(head -c 400 "$tmp/runtime-check" | tr '\n' ' ')); nothing was installed"
fi
[ -n "$new_release" ] || step 4/7 "The liftshift agent $version is in $opt/releases/$version"
launcher="${new_release:-$release}/bin/liftshift-agent"

step 5/7 "Syncing the source server with the control plane (registration)"
[ -d "$state" ] || created_state=1
if [ -n "$token" ]; then
  # shellcheck disable=SC2086 # disk_args and tag_args are word lists on purpose
  LIFTSHIFT_AGENT_STATE_DIR="$state" "$launcher" install --endpoint "$endpoint" --install-token "$token" \
    --ca-fingerprint "sha256:$hex" --state-dir "$state" $disk_args $tag_args >"$tmp/register" 2>&1
  if [ $? -ne 0 ]; then
    detail=$(cat "$tmp/register")
    case "$detail" in
      *"(401)"*|*"(403)"*|*AccessDenied*|*nvalid*oken*|*evoked*)
        die "the control plane refused the install token ($detail): create a new one with 'liftshift admin create-install-token' and run the installer again" ;;
      *) die "registration failed: $detail" ;;
    esac
  fi
  sed 's/^/    /' "$tmp/register"
else
  say "    already registered as $(sed -n 's/^sourceServerID=//p' "$state/agent.properties")"
fi
printf 'devices=%s\nagent_args=%s\nbundle_url=%s\n' "$devices" "$agent_args" "$bundle_url" >"$state/install.conf"

step 6/7 "Writing the liftshift-agent service (starts at boot, restarts on failure)"
mkdir -p "$unit_dir" || die "cannot write $unit_dir"
cat >"$tmp/$unit" <<UNIT
# Written by the liftshift agent installer; removed by 'liftshift-agent-setup --uninstall'.
[Unit]
Description=liftshift agent: block-level replication of this server's disks
Documentation=https://github.com/liftshift/liftshift/blob/main/docs/agent-install.md
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
Environment=LIFTSHIFT_AGENT_STATE_DIR=/var/lib/liftshift-agent
ExecStart=/opt/liftshift-agent/current/bin/liftshift-agent --continuous$disk_args${agent_args:+ $agent_args}
Restart=on-failure
RestartSec=10
TimeoutStopSec=60
SyslogIdentifier=liftshift-agent

[Install]
WantedBy=multi-user.target
UNIT
mv -f "$tmp/$unit" "$unit_dir/$unit" || die "cannot write $unit_dir/$unit"
enable_unit || die "cannot enable $unit"

step 7/7 "Starting the liftshift agent $version"
if [ -n "$new_release" ]; then
  rm -rf "$release"
  mv "$new_release" "$release" || die "cannot move the new release into place"
  new_release="$release"
fi
# The switch is one rename of a symlink: a crash leaves the old release or the new, never half.
ln -sfn "releases/$version" "$opt/current.new" && mv -Tf "$opt/current.new" "$opt/current" ||
  die "cannot switch $opt/current to $version"
done_ok=1
for old in "$opt"/releases/*; do
  [ "$old" = "$release" ] || rm -rf "$old"
done
if systemd_running; then
  systemctl daemon-reload
  if systemctl restart "$unit"; then
    say "    started: journalctl -u liftshift-agent -f shows its progress"
  else
    die "the service did not start: see journalctl -u liftshift-agent"
  fi
else
  say "    systemd is not running here (a chroot or container): the service is enabled and starts at the next boot"
fi
if [ "$current" = "releases/$version" ]; then
  say "liftshift agent $version: already current, nothing changed."
elif [ -n "$current" ]; then
  say "liftshift agent upgraded from ${current#releases/} to $version; replication resumes from its saved change state."
else
  say "liftshift agent $version installed. Replication starts once the control plane places this server on a replication server."
fi
