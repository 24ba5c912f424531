-- Exceptions that end, with Neovim's own LSP client (0.7+): the server runs with
-- COMPOSEGUARD_NOW set, shows an expired suppression as a diagnostic on its comment, and its
-- quick fix "Suppress RULE until DATE" inserts a comment that makes the finding go.
--
-- Run by tests/lsp_nvim.rs with COMPOSEGUARD_BIN, COMPOSEGUARD_FILE, COMPOSEGUARD_RESULT,
-- COMPOSEGUARD_ERROR (as lsp_e2e.lua) and COMPOSEGUARD_NOW.
-- Exit status: 0 when every check passed, 1 otherwise.

-- The shared helpers (tests/nvim/common.lua), from this script's folder.
local common = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/common.lua')
local check, write_file, buffer_text = common.check, common.write_file, common.buffer_text
local result_path = common.result_path
assert(os.getenv('COMPOSEGUARD_NOW'), 'COMPOSEGUARD_NOW is not set')

local TIMEOUT = 15000

local function wait_diagnostics(bufnr, count, what)
  return common.wait_diagnostics(bufnr, count, what, TIMEOUT)
end

local function request(bufnr, method, params)
  return common.request(bufnr, method, params, TIMEOUT)
end

local function main()
  local bufnr, uri, _, stop = common.start(TIMEOUT)

  -- 1. The expired suppression is an error on its comment (line 5, from its `#`), and the
  --    finding it no longer suppresses is back (line 6).
  local diagnostics = wait_diagnostics(bufnr, 2, 'on open')
  local expired, finding = diagnostics[1], diagnostics[2]
  check(expired.code == 'expired-exception', 'first: %s', vim.inspect(expired))
  check(expired.lnum == 4 and expired.col == 6, 'expired range: %s', vim.inspect(expired))
  check(expired.severity == vim.diagnostic.severity.ERROR, 'expired severity: %s', vim.inspect(expired))
  check(expired.message:find('has expired', 1, true) ~= nil, 'expired message: %s', expired.message)
  check(finding.code == 'sensitive-port-exposed' and finding.lnum == 5, 'second: %s', vim.inspect(finding))

  -- 2. On the finding: the fix, then the suppression for 30 days (COMPOSEGUARD_NOW + 30).
  local actions = request(bufnr, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = { line = 5, character = 10 }, ['end'] = { line = 5, character = 10 } },
    context = { diagnostics = {}, only = { 'quickfix' } },
  })
  check(type(actions) == 'table' and #actions == 2, 'code actions: %s', vim.inspect(actions))
  local suppress = actions[2]
  check(suppress.title == 'Suppress sensitive-port-exposed until 2027-03-03', 'title: %s', tostring(suppress.title))
  check(suppress.kind == 'quickfix', 'kind: %s', tostring(suppress.kind))
  vim.lsp.util.apply_workspace_edit(suppress.edit, 'utf-16')

  -- 3. The finding is gone; the expired comment is still reported.
  local left = wait_diagnostics(bufnr, 1, 'after the suppression')
  check(left[1].code == 'expired-exception', 'left: %s', vim.inspect(left))

  write_file(result_path, buffer_text(bufnr))

  stop()
end

common.run(main)
