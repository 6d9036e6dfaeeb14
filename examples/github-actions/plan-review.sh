#!/usr/bin/env bash
# Plan review for a pull request: synthesizes the CDKTF app, plans every stack it wrote, reviews each plan with
# `iam-key-rotation review` and upserts one pull-request comment per stack. plan-review.yml calls it; it runs the same
# on a laptop, where (without the GitHub variables below) it only writes the reviews into $REVIEW_DIR.
#
# Usage: plan-review.sh [all | synth | plan | post]
#   all    (the default) the three phases below, in one process.
#   synth  Runs $SYNTH_COMMAND and checks that it wrote at least one stack. Needs no AWS credentials and no token:
#          the workflow runs it, with the pull request's code, in a job that has neither.
#   plan   Plans and reviews every stack in $CDKTF_OUTDIR/stacks/ (written by a synth it does not trust: each stack's
#          cdk.tf.json, its assets/ and a local terraform.tfstate are copied into a private folder, nothing else, so
#          no .terraform folder, lock file or *.tfvars of the synth's is used), into $REVIEW_DIR. terraform installs
#          providers through a CLI config of the script's own that allows registry.terraform.io/hashicorp/aws only,
#          and it and the review run without GITHUB_TOKEN, GH_TOKEN or the Actions OIDC request variables.
#   post   Creates or updates one comment per review in $REVIEW_DIR (needs the three GitHub variables below).
#
# Environment (all optional):
#   SYNTH_COMMAND      Synthesizes the app into $CDKTF_OUTDIR (exported to it). Split on whitespace, no quoting.
#                      Default: npx cdktf synth --output $CDKTF_OUTDIR. An app can also run directly, e.g.
#                      SYNTH_COMMAND="node dist/main.js" (cdktf's App reads CDKTF_OUTDIR).
#   CDKTF_OUTDIR       Where the synth writes: one folder per stack under $CDKTF_OUTDIR/stacks/, each of them planned
#                      (also one an earlier synth left there). Default: cdktf.out
#   REVIEW_DIR         Receives <stack>.plan.json (terraform show -json) and <stack>.md (the review) for every stack;
#                      created if missing, its old *.plan.json and *.md removed first. Default: plan-review
#   REVIEW_COMMAND     The review, split on whitespace; called as
#                      $REVIEW_COMMAND <plan.json> --title <stack> --max-chars $REVIEW_MAX_CHARS, Markdown on stdout,
#                      exit 0 (nothing blocks), 1 (a blocker) or 2 (bad input). Add --report-only to never fail on a
#                      blocker. Default: npx --no-install iam-key-rotation review
#   REVIEW_MAX_CHARS   Longest review in characters (GitHub refuses comments over 65,536). Default: 60000
#   PLAN_ERROR_LINES   How many lines of terraform's errors a failed stack's comment shows (the last). Default: 30
#   PROVIDER_MIRROR    A folder holding a filesystem mirror of the hashicorp/aws provider (terraform providers mirror),
#                      absolute path. Default: none, the provider comes from registry.terraform.io. Either way
#                      terraform installs hashicorp/aws and nothing else (so a stack cannot bring in the `external`
#                      or `http` provider); the script's CLI config replaces any TF_CLI_CONFIG_FILE.
#   GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name), PR_NUMBER
#                      When all three are set, one comment per stack is created or updated on that pull request with
#                      the gh CLI (which reads GITHUB_TOKEN) and jq; otherwise nothing is posted (`post` needs them).
#                      GitHub Actions sets GITHUB_REPOSITORY; the workflow passes the other two.
#   COMMENT_AUTHOR     The login whose comments the script updates: a comment whose first line is a stack's marker
#                      is the stack's only when this account wrote it; anyone else's is ignored and a new comment is
#                      posted. Default: github-actions[bot] (the workflow's GITHUB_TOKEN)
#   GITHUB_STEP_SUMMARY  Set by GitHub Actions: every review is appended to the job's summary as well.
#   TF_IN_AUTOMATION, TF_INPUT  Default to 1 and 0 (terraform's output for automation, never a prompt).
#
# Each stack: terraform init -input=false, terraform plan -input=false -lock=false -out=<temp>, terraform show -json
# of that plan, then the review. A stack whose init, plan or show fails gets a <stack>.md that says so, with the last
# lines of terraform's errors (the stack holds no key material, so neither do they), and the other stacks still run.
# Everything goes to stderr: progress, each plan's one-line summary, the errors of a failed stack. terraform's own
# output stays in a temporary folder, and plan JSON goes only to $REVIEW_DIR, never to the log. stdout stays empty.
#
# Exit status: 0 every stack planned and no review found a blocker; 1 the synth, a plan or a review failed, a review
# found a blocker, or a comment could not be posted; 2 bad usage (an unknown phase, a malformed variable, or `post`
# without the GitHub variables). Each phase exits with the status of its own part.
set -euo pipefail

PHASE="${1:-all}"

CDKTF_OUTDIR="${CDKTF_OUTDIR:-cdktf.out}"
REVIEW_DIR="${REVIEW_DIR:-plan-review}"
REVIEW_COMMAND="${REVIEW_COMMAND:-npx --no-install iam-key-rotation review}"
REVIEW_MAX_CHARS="${REVIEW_MAX_CHARS:-60000}"
PLAN_ERROR_LINES="${PLAN_ERROR_LINES:-30}"
COMMENT_AUTHOR="${COMMENT_AUTHOR:-github-actions[bot]}"
PROVIDER_MIRROR="${PROVIDER_MIRROR:-}"
export CDKTF_OUTDIR
export TF_IN_AUTOMATION="${TF_IN_AUTOMATION:-1}"
export TF_INPUT="${TF_INPUT:-0}"

# The first line of every stack's comment (the review command writes it): how a re-run finds the comment to update.
marker() { printf '<!-- iam-key-rotation review: %s -->' "$1"; }

log() { printf '%s\n' "$*" >&2; }
usage_error() {
  log "plan-review: $*"
  exit 2
}

case "$PHASE" in
  all | synth | plan | post) ;;
  *) usage_error "unknown phase '$PHASE' (usage: plan-review.sh [all | synth | plan | post])" ;;
esac
((${#} <= 1)) || usage_error "one phase at most (usage: plan-review.sh [all | synth | plan | post])"
runs() { [[ "$PHASE" == all || "$PHASE" == "$1" ]]; }

# A stack's name as the script uses it: in file names, its comment's marker and the log.
STACK_NAME_PATTERN='^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'

[[ "$REVIEW_MAX_CHARS" =~ ^[1-9][0-9]*$ ]] || usage_error "REVIEW_MAX_CHARS must be a positive whole number, got '$REVIEW_MAX_CHARS'"
[[ "$PLAN_ERROR_LINES" =~ ^[1-9][0-9]*$ ]] || usage_error "PLAN_ERROR_LINES must be a positive whole number, got '$PLAN_ERROR_LINES'"
read -r -a review_command <<<"$REVIEW_COMMAND"
((${#review_command[@]} > 0)) || usage_error "REVIEW_COMMAND is empty"
if [[ -n "${SYNTH_COMMAND:-}" ]]; then
  read -r -a synth_command <<<"$SYNTH_COMMAND"
else
  synth_command=(npx cdktf synth --output "$CDKTF_OUTDIR")
fi
((${#synth_command[@]} > 0)) || usage_error "SYNTH_COMMAND is empty"

[[ "$COMMENT_AUTHOR" =~ ^[A-Za-z0-9]([A-Za-z0-9-]{0,38})(\[bot\])?$ ]] || usage_error "COMMENT_AUTHOR must be a GitHub login like github-actions[bot], got '$COMMENT_AUTHOR'"
if [[ -n "$PROVIDER_MIRROR" ]]; then
  # It goes into the CLI config as an HCL string: plain path characters only.
  [[ "$PROVIDER_MIRROR" =~ ^/[A-Za-z0-9_./@+-]*$ && -d "$PROVIDER_MIRROR" ]] || usage_error "PROVIDER_MIRROR must be the absolute path of a folder, got '$PROVIDER_MIRROR'"
fi

# Posting needs all three GitHub variables; checked before the slow part.
missing=()
for variable in GITHUB_TOKEN GITHUB_REPOSITORY PR_NUMBER; do
  [[ -n "${!variable:-}" ]] || missing+=("$variable")
done
if [[ "$PHASE" == post && ${#missing[@]} -gt 0 ]]; then
  usage_error "post needs ${missing[*]} (GITHUB_TOKEN, GITHUB_REPOSITORY and PR_NUMBER)"
fi
if runs post && ((${#missing[@]} == 0)); then
  [[ "${PR_NUMBER:?}" =~ ^[1-9][0-9]*$ ]] || usage_error "PR_NUMBER must be a pull request number, got '$PR_NUMBER'"
  [[ "${GITHUB_REPOSITORY:?}" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || usage_error "GITHUB_REPOSITORY must be owner/name, got '$GITHUB_REPOSITORY'"
  for tool in gh jq; do
    command -v "$tool" >/dev/null || usage_error "posting the reviews needs $tool on PATH (GitHub's runners have it)"
  done
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if runs plan || runs post; then
  mkdir -p "$REVIEW_DIR"
  review_dir="$(cd "$REVIEW_DIR" && pwd)"
fi
if runs plan; then rm -f "$review_dir"/*.plan.json "$review_dir"/*.md; fi

# What terraform and the review run with: the CLI config below, and none of the job's tokens (a stack's JSON can read
# the environment, e.g. file("/proc/self/environ"), and show it in its plan).
cli_config="$work/terraform.rc"
if [[ -n "$PROVIDER_MIRROR" ]]; then
  installation="  filesystem_mirror {
    path    = \"$PROVIDER_MIRROR\"
    include = [\"registry.terraform.io/hashicorp/aws\"]
  }"
else
  installation="  direct {
    include = [\"registry.terraform.io/hashicorp/aws\"]
  }"
fi
printf 'provider_installation {\n%s\n}\ndisable_checkpoint = true\n' "$installation" >"$cli_config"
untrusted() {
  env -u GITHUB_TOKEN -u GH_TOKEN -u GH_ENTERPRISE_TOKEN -u GITHUB_ENTERPRISE_TOKEN \
    -u ACTIONS_ID_TOKEN_REQUEST_TOKEN -u ACTIONS_ID_TOKEN_REQUEST_URL -u ACTIONS_RUNTIME_TOKEN -u TF_PLUGIN_CACHE_DIR \
    TF_CLI_CONFIG_FILE="$cli_config" "$@"
}

# terraform_failed PROGRESS STACK WHAT ERRORS OUTPUT: records STACK as failed and writes its comment (the marker of a
# review, so a later run's review replaces it) with the end of terraform's ERRORS (its stderr), or of its OUTPUT when
# it printed no error; the same lines go to the log.
terraform_failed() {
  local progress="$1" stack="$2" what="$3" output="$4"
  [[ -s "$output" ]] || output="$5"
  log "$progress: $what failed for $stack"
  tail -n "$PLAN_ERROR_LINES" "$output" >&2
  failed+=("$stack")
  {
    marker "$stack"
    printf "\n### :x: \`%s\`: %s failed\n\n" "$stack" "$what"
    printf 'There is no plan to review. The end of terraform'"'"'s output:\n\n'
    # A fence longer than any run of '~' in the text, so terraform's output cannot close it and add Markdown.
    local tail_text fence
    tail_text=$(tail -n "$PLAN_ERROR_LINES" "$output")
    fence=$(printf '%s\n' "$tail_text" | awk '{ while (match($0, /~+/)) { if (RLENGTH > n) n = RLENGTH; $0 = substr($0, RSTART + RLENGTH) } } END { n = (n < 3 ? 3 : n + 1); s = ""; while (n-- > 0) s = s "~"; print s }')
    printf '%stext\n%s\n%s\n' "$fence" "$tail_text" "$fence"
  } >"$review_dir/$stack.md"
}

# review_failed STACK STATUS: the comment for a plan the review command could not read (exit 2, or not found).
review_failed() {
  local stack="$1" status="$2"
  {
    marker "$stack"
    printf "\n### :x: \`%s\`: the review failed\n\n" "$stack"
    printf "\`%s\` exited %s; its error is in the job log.\n" "$REVIEW_COMMAND" "$status"
  } >"$review_dir/$stack.md"
}

# --- synth --------------------------------------------------------------------------------------------------------
if runs synth; then
  log "synth: ${synth_command[*]}"
  if ! "${synth_command[@]}" >&2; then
    log "plan-review: the synth failed (${synth_command[*]}); nothing to plan"
    exit 1
  fi
fi

failed=()
blocked=()
stacks=()
if runs synth || runs plan; then
  shopt -s nullglob
  for dir in "$CDKTF_OUTDIR"/stacks/*/; do
    [[ -f "$dir/cdk.tf.json" ]] || continue
    stack="$(basename "$dir")"
    if [[ "$stack" =~ $STACK_NAME_PATTERN ]]; then
      stacks+=("$stack")
    else
      log "plan-review: a stack folder whose name is not letters, digits and _.- is not planned: $(printf '%q' "$stack")"
      failed+=("(a stack folder with a malformed name)")
    fi
  done
  shopt -u nullglob
  if ((${#stacks[@]} == 0)); then
    log "plan-review: the synth wrote no stack (no $CDKTF_OUTDIR/stacks/*/cdk.tf.json)"
    exit 1
  fi
fi
if [[ "$PHASE" == synth ]]; then
  if ((${#failed[@]} > 0)); then exit 1; fi
  log "plan-review: synthesized ${#stacks[@]} stack(s): ${stacks[*]}"
  exit 0
fi

# plan_copy STACK: a private folder with what terraform may read of the stack's synth output, or fails.
plan_copy() {
  local source="$CDKTF_OUTDIR/stacks/$1" copy="$work/stacks/$1"
  mkdir -p "$copy"
  [[ -f "$source/cdk.tf.json" && ! -L "$source/cdk.tf.json" ]] || return 1
  cp "$source/cdk.tf.json" "$copy/"
  if [[ -d "$source/assets" && ! -L "$source/assets" ]]; then cp -R "$source/assets" "$copy/"; fi
  if [[ -f "$source/terraform.tfstate" && ! -L "$source/terraform.tfstate" ]]; then cp "$source/terraform.tfstate" "$copy/"; fi
  printf '%s' "$copy"
}

# --- plan and review every stack ----------------------------------------------------------------------------------
total=${#stacks[@]}
index=0
for stack in "${stacks[@]}"; do
  if ! runs plan; then break; fi
  index=$((index + 1))
  progress="stack $index/$total"
  log_file="$work/$stack.terraform.log"
  errors="$work/$stack.terraform.errors"
  plan_file="$work/$stack.tfplan"
  plan_json="$review_dir/$stack.plan.json"
  if ! stack_dir="$(plan_copy "$stack")"; then
    printf 'cdk.tf.json is not a regular file\n' >"$errors"
    terraform_failed "$progress" "$stack" "copying the stack" "$errors" "$errors"
    continue
  fi

  log "$progress: init $stack"
  if ! untrusted terraform -chdir="$stack_dir" init -input=false -no-color >"$log_file" 2>"$errors"; then
    terraform_failed "$progress" "$stack" "terraform init" "$errors" "$log_file"
    continue
  fi

  log "$progress: plan $stack"
  if ! untrusted terraform -chdir="$stack_dir" plan -input=false -lock=false -no-color -out="$plan_file" >"$log_file" 2>"$errors"; then
    terraform_failed "$progress" "$stack" "terraform plan" "$errors" "$log_file"
    continue
  fi
  summary="$(grep -E '^(Plan: |No changes\.)' "$log_file" | head -n 1 || true)"
  log "$progress: ${summary:-planned} ($stack)"

  if ! untrusted terraform -chdir="$stack_dir" show -json -no-color "$plan_file" >"$plan_json" 2>"$errors"; then
    rm -f "$plan_json"
    : >"$log_file" # never the partial JSON: only the errors
    terraform_failed "$progress" "$stack" "terraform show -json" "$errors" "$log_file"
    continue
  fi

  log "$progress: review $stack"
  if untrusted "${review_command[@]}" "$plan_json" --title "$stack" --max-chars "$REVIEW_MAX_CHARS" >"$review_dir/$stack.md"; then
    status=0
  else
    status=$?
  fi
  case "$status" in
    0) log "$progress: review of $stack: nothing blocks" ;;
    1)
      log "$progress: review of $stack: a blocker (see $stack.md)"
      blocked+=("$stack")
      ;;
    *)
      log "$progress: review of $stack failed (exit $status)"
      review_failed "$stack" "$status"
      failed+=("$stack")
      ;;
  esac
  mark="$(marker "$stack")"
  first_line="$(head -n 1 "$review_dir/$stack.md")"
  if [[ "$first_line" != "$mark" ]]; then
    # Without its marker a re-run could not find the comment to update: add it.
    { printf '%s\n\n' "$mark" && cat "$review_dir/$stack.md"; } >"$work/$stack.md"
    mv "$work/$stack.md" "$review_dir/$stack.md"
  fi
done

if runs plan && [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  for stack in "${stacks[@]}"; do
    { cat "$review_dir/$stack.md" && printf '\n'; } >>"$GITHUB_STEP_SUMMARY"
  done
fi

if [[ "$PHASE" == post ]]; then
  # The reviews a plan phase wrote, by stack.
  shopt -s nullglob
  for review in "$review_dir"/*.md; do
    stack="$(basename "$review" .md)"
    if [[ "$stack" =~ $STACK_NAME_PATTERN ]]; then stacks+=("$stack"); fi
  done
  shopt -u nullglob
  if ((${#stacks[@]} == 0)); then
    log "plan-review: no review to post in $REVIEW_DIR (did the plan phase run?)"
    exit 1
  fi
fi

# --- post one comment per stack -----------------------------------------------------------------------------------
post_failed=0
if ! runs post; then
  :
elif ((${#missing[@]} > 0)); then
  log "not posting: ${missing[*]} not set (the reviews are in $REVIEW_DIR)"
else
  comments_path="repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments"
  comments="$work/comments.json"
  # One JSON array per page; jq -s reads them all.
  if ! gh api --paginate "$comments_path?per_page=100" >"$comments"; then
    log "plan-review: could not list the comments of $GITHUB_REPOSITORY#$PR_NUMBER"
    exit 1
  fi
  for stack in "${stacks[@]}"; do
    mark="$(marker "$stack")"
    # Only a comment of COMMENT_AUTHOR's is the stack's: anyone who can comment can start one with the marker.
    id="$(jq -r -s --arg marker "$mark" --arg author "$COMMENT_AUTHOR" \
      '[.[][] | select((.user.login // "") == $author and ((.body // "") | startswith($marker)))] | first | .id // empty' "$comments")"
    if [[ -n "$id" ]]; then
      if gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$review_dir/$stack.md" --silent; then
        log "updated comment $id for $stack"
      else
        log "plan-review: could not update comment $id for $stack"
        post_failed=1
      fi
    elif gh api --method POST "$comments_path" -F "body=@$review_dir/$stack.md" --silent; then
      log "posted a comment for $stack"
    else
      log "plan-review: could not post the comment for $stack"
      post_failed=1
    fi
  done
fi

# --- outcome ------------------------------------------------------------------------------------------------------
((${#failed[@]} == 0)) || log "plan-review: failed for ${failed[*]}"
((${#blocked[@]} == 0)) || log "plan-review: blockers in ${blocked[*]}"
if ((${#failed[@]} > 0 || ${#blocked[@]} > 0 || post_failed)); then
  exit 1
fi
if [[ "$PHASE" == post ]]; then
  log "plan-review: ${#stacks[@]} review(s) posted"
else
  log "plan-review: ${total} stack(s) planned, nothing blocks"
fi
