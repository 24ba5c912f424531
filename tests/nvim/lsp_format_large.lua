-- Format-on-save of a big compose file with Neovim's own LSP client: how many edits the
-- server returns and how long Neovim takes to apply them.
--
-- Run by tests/lsp_nvim.rs as
--   nvim --headless --clean -n -u NONE -c 'luafile tests/nvim/lsp_format_large.lua'
-- with COMPOSEGUARD_BIN, COMPOSEGUARD_FILE, COMPOSEGUARD_RESULT (the buffer's text at the end),
-- COMPOSEGUARD_ERROR (why the test failed) and COMPOSEGUARD_TIMING (a line
-- `edits=N apply_ms=M request_ms=R` is written there).

-- The shared helpers (tests/nvim/common.lua), from this script's folder.
local common = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/common.lua')
local check, write_file = common.check, common.write_file
local timing_path = assert(os.getenv('COMPOSEGUARD_TIMING'), 'COMPOSEGUARD_TIMING is not set')

local TIMEOUT = 120000

local function main()
  local bufnr, uri, client_id = common.start(TIMEOUT)
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
  write_file(common.result_path, common.buffer_text(bufnr))
  vim.lsp.stop_client(client_id)
end

common.run(main)
