-- Format-on-save of a big compose file with Neovim's own LSP client: how many edits the
-- server returns and how long Neovim takes to apply them.
--
-- Run by tests/lsp_nvim.rs as
--   nvim --headless --clean -n -u NONE -c 'luafile tests/nvim/lsp_format_large.lua'
-- with COMPOSEGUARD_BIN, COMPOSEGUARD_FILE, COMPOSEGUARD_RESULT (the buffer's text at the end),
-- COMPOSEGUARD_ERROR (why the test failed) and COMPOSEGUARD_TIMING (a line
-- `edits=N apply_ms=M request_ms=R` is written there).

local bin = assert(os.getenv('COMPOSEGUARD_BIN'), 'COMPOSEGUARD_BIN is not set')
local file = assert(os.getenv('COMPOSEGUARD_FILE'), 'COMPOSEGUARD_FILE is not set')
local result_path = assert(os.getenv('COMPOSEGUARD_RESULT'), 'COMPOSEGUARD_RESULT is not set')
local error_path = assert(os.getenv('COMPOSEGUARD_ERROR'), 'COMPOSEGUARD_ERROR is not set')
local timing_path = assert(os.getenv('COMPOSEGUARD_TIMING'), 'COMPOSEGUARD_TIMING is not set')

local TIMEOUT = 120000

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

local function main()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  local client_id = vim.lsp.start_client({
    name = 'composeguard',
    cmd = { bin, 'server' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
  })
  check(client_id ~= nil, 'the client did not start')
  check(vim.lsp.buf_attach_client(bufnr, client_id), 'the client did not attach')
  -- The server is ready once it has published the file's findings.
  local ready = vim.wait(TIMEOUT, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 50)
  check(ready, 'no diagnostics')
  local asked = vim.loop.hrtime()
  local responses, err = vim.lsp.buf_request_sync(bufnr, 'textDocument/formatting', {
    textDocument = { uri = uri },
    options = { tabSize = 2, insertSpaces = true },
  }, TIMEOUT)
  check(responses ~= nil, 'formatting: no response (%s)', tostring(err))
  local _, response = next(responses)
  check(response ~= nil and response.err == nil, 'formatting failed: %s', vim.inspect(response))
  local edits = response.result or {}
  local request_ms = (vim.loop.hrtime() - asked) / 1e6
  local start = vim.loop.hrtime()
  vim.lsp.util.apply_text_edits(edits, bufnr, 'utf-16')
  local ms = (vim.loop.hrtime() - start) / 1e6
  write_file(timing_path, string.format('edits=%d apply_ms=%.1f request_ms=%.1f\n', #edits, ms, request_ms))
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  if vim.api.nvim_buf_get_option(bufnr, 'eol') then
    text = text .. '\n'
  end
  write_file(result_path, text)
  vim.lsp.stop_client(client_id)
end

local ok, err = xpcall(main, debug.traceback)
if ok then
  vim.cmd('qall!')
else
  write_file(error_path, tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
