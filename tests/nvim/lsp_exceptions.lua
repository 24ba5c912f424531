-- Exceptions that end, with Neovim's own LSP client (0.7+): the server runs with
-- COMPOSEGUARD_NOW set, shows an expired suppression as a diagnostic on its comment, and its
-- quick fix "Suppress RULE until DATE" inserts a comment that makes the finding go.
--
-- Run by tests/lsp_nvim.rs with COMPOSEGUARD_BIN, COMPOSEGUARD_FILE, COMPOSEGUARD_RESULT,
-- COMPOSEGUARD_ERROR (as lsp_e2e.lua) and COMPOSEGUARD_NOW.
-- Exit status: 0 when every check passed, 1 otherwise.

local bin = assert(os.getenv('COMPOSEGUARD_BIN'), 'COMPOSEGUARD_BIN is not set')
local file = assert(os.getenv('COMPOSEGUARD_FILE'), 'COMPOSEGUARD_FILE is not set')
local result_path = assert(os.getenv('COMPOSEGUARD_RESULT'), 'COMPOSEGUARD_RESULT is not set')
local error_path = assert(os.getenv('COMPOSEGUARD_ERROR'), 'COMPOSEGUARD_ERROR is not set')
assert(os.getenv('COMPOSEGUARD_NOW'), 'COMPOSEGUARD_NOW is not set')

local TIMEOUT = 15000

local function write_file(path, text)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
end

local function check(condition, message, ...)
  if not condition then
    error(string.format(message, ...), 2)
  end
end

local function sorted_diagnostics(bufnr)
  local diagnostics = vim.diagnostic.get(bufnr)
  table.sort(diagnostics, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  return diagnostics
end

local function wait_diagnostics(bufnr, count, what)
  local ok = vim.wait(TIMEOUT, function()
    return #vim.diagnostic.get(bufnr) == count
  end, 20)
  local diagnostics = sorted_diagnostics(bufnr)
  check(ok, '%s: expected %d diagnostics, got %d: %s', what, count, #diagnostics, vim.inspect(diagnostics))
  return diagnostics
end

local function request(bufnr, method, params)
  local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, TIMEOUT)
  check(responses ~= nil, '%s: no response (%s)', method, tostring(err))
  local _, response = next(responses)
  check(response ~= nil, '%s: empty response', method)
  check(response.err == nil and response.error == nil, '%s failed: %s', method, vim.inspect(response))
  return response.result
end

local function buffer_text(bufnr)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  if vim.api.nvim_buf_get_option(bufnr, 'eol') then
    text = text .. '\n'
  end
  return text
end

local function main()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)

  local exit_code
  local client_id = vim.lsp.start_client({
    name = 'composeguard',
    cmd = { bin, 'server' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
    on_exit = function(code)
      exit_code = code
    end,
  })
  check(client_id ~= nil, 'the client did not start')
  check(vim.lsp.buf_attach_client(bufnr, client_id), 'the client did not attach')

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

  vim.lsp.stop_client(client_id)
  local stopped = vim.wait(TIMEOUT, function()
    return exit_code ~= nil
  end, 20)
  check(stopped, 'the server did not exit')
  check(exit_code == 0, 'server exit status %s', tostring(exit_code))
end

local ok, err = xpcall(main, debug.traceback)
if ok then
  vim.cmd('qall!')
else
  write_file(error_path, tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
