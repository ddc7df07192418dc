// QR codes drawn in a terminal with Unicode half blocks (two module rows per text line), light
// modules printed as blocks so the code reads on dark and light backgrounds alike as long as the
// quiet zone is kept. Pure; thread-safe.
#pragma once

#include <string>

#include "common/qr_png.h"

namespace sigil::client {

// The matrix with a quiet zone of `quiet` modules, one line per two module rows.
std::string RenderQrForTerminal(const QrMatrix& matrix, int quiet = 2);

}  // namespace sigil::client
