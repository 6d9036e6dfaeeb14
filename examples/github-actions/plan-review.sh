#!/usr/bin/env bash
# Plan review for a pull request: synthesizes the CDKTF app, plans every stack it wrote, reviews each plan with
# `iam-key-rotation review` and upserts one pull-request comment per stack. plan-review.yml calls it; it runs the same
# on a laptop, where (without the GitHub variables below) it only writes the reviews into $REVIEW_DIR.
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
#   GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name), PR_NUMBER
#                      When all three are set, one comment per stack is created or updated on that pull request with
#                      the gh CLI (which reads GITHUB_TOKEN) and jq; otherwise nothing is posted. GitHub Actions sets
#                      GITHUB_REPOSITORY; the workflow passes the other two.
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
# found a blocker, or a comment could not be posted; 2 bad usage (a malformed variable).
set -euo pipefail

CDKTF_OUTDIR="${CDKTF_OUTDIR:-cdktf.out}"
REVIEW_DIR="${REVIEW_DIR:-plan-review}"
REVIEW_COMMAND="${REVIEW_COMMAND:-npx --no-install iam-key-rotation review}"
REVIEW_MAX_CHARS="${REVIEW_MAX_CHARS:-60000}"
PLAN_ERROR_LINES="${PLAN_ERROR_LINES:-30}"
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

# Posting needs all three GitHub variables; checked before the slow part.
missing=()
for variable in GITHUB_TOKEN GITHUB_REPOSITORY PR_NUMBER; do
  [[ -n "${!variable:-}" ]] || missing+=("$variable")
done
if ((${#missing[@]} == 0)); then
  [[ "${PR_NUMBER:?}" =~ ^[1-9][0-9]*$ ]] || usage_error "PR_NUMBER must be a pull request number, got '$PR_NUMBER'"
  [[ "${GITHUB_REPOSITORY:?}" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || usage_error "GITHUB_REPOSITORY must be owner/name, got '$GITHUB_REPOSITORY'"
  for tool in gh jq; do
    command -v "$tool" >/dev/null || usage_error "posting the reviews needs $tool on PATH (GitHub's runners have it)"
  done
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$REVIEW_DIR"
review_dir="$(cd "$REVIEW_DIR" && pwd)"
rm -f "$review_dir"/*.plan.json "$review_dir"/*.md

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
    printf '~~~text\n'
    tail -n "$PLAN_ERROR_LINES" "$output"
    printf '~~~\n'
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
log "synth: ${synth_command[*]}"
if ! "${synth_command[@]}" >&2; then
  log "plan-review: the synth failed (${synth_command[*]}); nothing to plan"
  exit 1
fi

stacks=()
shopt -s nullglob
for dir in "$CDKTF_OUTDIR"/stacks/*/; do
  if [[ -f "$dir/cdk.tf.json" ]]; then stacks+=("$(basename "$dir")"); fi
done
shopt -u nullglob
if ((${#stacks[@]} == 0)); then
  log "plan-review: the synth wrote no stack (no $CDKTF_OUTDIR/stacks/*/cdk.tf.json)"
  exit 1
fi

# --- plan and review every stack ----------------------------------------------------------------------------------
failed=()
blocked=()
total=${#stacks[@]}
index=0
for stack in "${stacks[@]}"; do
  index=$((index + 1))
  progress="stack $index/$total"
  stack_dir="$CDKTF_OUTDIR/stacks/$stack"
  log_file="$work/$stack.terraform.log"
  errors="$work/$stack.terraform.errors"
  plan_file="$work/$stack.tfplan"
  plan_json="$review_dir/$stack.plan.json"

  log "$progress: init $stack"
  if ! terraform -chdir="$stack_dir" init -input=false -no-color >"$log_file" 2>"$errors"; then
    terraform_failed "$progress" "$stack" "terraform init" "$errors" "$log_file"
    continue
  fi

  log "$progress: plan $stack"
  if ! terraform -chdir="$stack_dir" plan -input=false -lock=false -no-color -out="$plan_file" >"$log_file" 2>"$errors"; then
    terraform_failed "$progress" "$stack" "terraform plan" "$errors" "$log_file"
    continue
  fi
  summary="$(grep -E '^(Plan: |No changes\.)' "$log_file" | head -n 1 || true)"
  log "$progress: ${summary:-planned} ($stack)"

  if ! terraform -chdir="$stack_dir" show -json -no-color "$plan_file" >"$plan_json" 2>"$errors"; then
    rm -f "$plan_json"
    : >"$log_file" # never the partial JSON: only the errors
    terraform_failed "$progress" "$stack" "terraform show -json" "$errors" "$log_file"
    continue
  fi

  log "$progress: review $stack"
  if "${review_command[@]}" "$plan_json" --title "$stack" --max-chars "$REVIEW_MAX_CHARS" >"$review_dir/$stack.md"; then
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

if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  for stack in "${stacks[@]}"; do
    { cat "$review_dir/$stack.md" && printf '\n'; } >>"$GITHUB_STEP_SUMMARY"
  done
fi

# --- post one comment per stack -----------------------------------------------------------------------------------
post_failed=0
if ((${#missing[@]} > 0)); then
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
    id="$(jq -r -s --arg marker "$mark" \
      '[.[][] | select((.body // "") | startswith($marker))] | first | .id // empty' "$comments")"
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
log "plan-review: ${total} stack(s) planned, nothing blocks"
