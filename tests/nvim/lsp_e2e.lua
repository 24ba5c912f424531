-- End-to-end test of `composeguard server` with Neovim's own LSP client (works on 0.7+:
-- only vim.lsp.start_client / buf_attach_client / buf_request_sync / util are used).
--
-- Run by tests/lsp_nvim.rs as
--   nvim --headless --clean -n -u NONE -c 'luafile tests/nvim/lsp_e2e.lua'
-- with these variables:
--   COMPOSEGUARD_BIN     the composeguard binary
--   COMPOSEGUARD_FILE    the compose file to open (tests/lsp_nvim.rs writes it)
--   COMPOSEGUARD_RESULT  where to write the buffer's text at the end
--   COMPOSEGUARD_ERROR   where to write why the test failed
-- Exit status: 0 when every check passed, 1 otherwise.

-- The shared helpers (tests/nvim/common.lua), from this script's folder.
local common = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/common.lua')
local check, write_file, buffer_text = common.check, common.write_file, common.buffer_text
local result_path = common.result_path

local TIMEOUT = 15000

local function codes(diagnostics)
  local out = {}
  for _, d in ipairs(diagnostics) do
    table.insert(out, tostring(d.code))
  end
  table.sort(out)
  return table.concat(out, ',')
end

local function wait_diagnostics(bufnr, count, what)
  return common.wait_diagnostics(bufnr, count, what, TIMEOUT)
end

local function request(bufnr, method, params)
  return common.request(bufnr, method, params, TIMEOUT)
end

--- A diagnostic as the server sent it (Neovim 0.7 keeps only some LSP fields): columns
--- back from bytes to UTF-16 code units.
local function to_lsp(bufnr, d)
  local function position(lnum, col)
    local line = vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, false)[1] or ''
    local _, utf16 = vim.str_utfindex(line, math.min(col, #line))
    return { line = lnum, character = utf16 }
  end
  return {
    range = { start = position(d.lnum, d.col), ['end'] = position(d.end_lnum, d.end_col) },
    severity = d.severity,
    code = d.code,
    source = d.source,
    message = d.message,
  }
end

local function main()
  local bufnr, uri, _, stop = common.start(TIMEOUT)

  -- 1. Three findings; the first after `é` and `😀` on its line. The server speaks UTF-16
  --    (62 units before the port); Neovim turns that into a byte column (65).
  local diagnostics = wait_diagnostics(bufnr, 3, 'on open')
  check(
    codes(diagnostics) == 'port-exposed-all-interfaces,sensitive-port-exposed,sensitive-port-exposed',
    'codes: %s',
    codes(diagnostics)
  )
  local db = diagnostics[1]
  check(db.code == 'sensitive-port-exposed', 'first finding: %s', vim.inspect(db))
  check(db.lnum == 1 and db.col == 65 and db.end_lnum == 1 and db.end_col == 76, 'db range: %s', vim.inspect(db))
  check(db.severity == vim.diagnostic.severity.ERROR, 'db severity: %s', vim.inspect(db))
  check(db.source == 'composeguard', 'db source: %s', vim.inspect(db))
  local lsp_db = to_lsp(bufnr, db)
  check(lsp_db.range.start.character == 62, 'UTF-16 column: %s', vim.inspect(lsp_db.range))
  local web = diagnostics[3]
  check(web.code == 'port-exposed-all-interfaces', 'last finding: %s', vim.inspect(web))
  check(web.severity == vim.diagnostic.severity.WARN, 'web severity: %s', vim.inspect(web))

  -- 2. The quick fix of the db finding, applied as Neovim applies code actions.
  local actions = request(bufnr, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = lsp_db.range,
    context = { diagnostics = { lsp_db }, only = { 'quickfix' } },
  })
  -- The fix, then the suppression that ends (tests/nvim/lsp_exceptions.lua applies one).
  check(type(actions) == 'table' and #actions == 2, 'code actions: %s', vim.inspect(actions))
  check(vim.startswith(actions[2].title, 'Suppress sensitive-port-exposed until '), 'second action: %s', vim.inspect(actions[2]))
  local action = actions[1]
  check(action.title == 'Bind to 127.0.0.1', 'title: %s', tostring(action.title))
  check(action.kind == 'quickfix', 'kind: %s', tostring(action.kind))
  vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
  local line = vim.api.nvim_buf_get_lines(bufnr, 1, 2, false)[1]
  check(
    line == '  db: {image: postgres:16, labels: {note: "café 😀"}, ports: ["127.0.0.1:5432:5432"]}',
    'after the quick fix: %s',
    line
  )
  wait_diagnostics(bufnr, 2, 'after the quick fix')

  -- 3. The unsafe fix of the web app is offered, marked so (and not applied).
  local web_lsp = to_lsp(bufnr, web)
  local web_actions = request(bufnr, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = web_lsp.range,
    context = { diagnostics = { web_lsp }, only = { 'quickfix' } },
  })
  check(#web_actions == 2 and web_actions[1].title == 'Bind to 127.0.0.1 (unsafe)', 'web actions: %s', vim.inspect(web_actions))

  -- 4. Formatting applies the remaining safe fix (the cache).
  local edits = request(bufnr, 'textDocument/formatting', {
    textDocument = { uri = uri },
    options = { tabSize = 2, insertSpaces = true },
  })
  check(type(edits) == 'table' and #edits == 1, 'formatting edits: %s', vim.inspect(edits))
  vim.lsp.util.apply_text_edits(edits, bufnr, 'utf-16')
  local left = wait_diagnostics(bufnr, 1, 'after formatting')
  check(left[1].code == 'port-exposed-all-interfaces', 'left: %s', vim.inspect(left))

  -- 5. Formatting again changes nothing.
  local again = request(bufnr, 'textDocument/formatting', {
    textDocument = { uri = uri },
    options = { tabSize = 2, insertSpaces = true },
  })
  check(again == nil or #again == 0, 'second formatting: %s', vim.inspect(again))

  write_file(result_path, buffer_text(bufnr))

  -- 6. shutdown + exit: the server ends with 0.
  stop()
end

common.run(main)
