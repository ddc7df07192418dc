#include "client/terminal_qr.h"

namespace sigil::client {

std::string RenderQrForTerminal(const QrMatrix& matrix, int quiet) {
  const int size = matrix.size + 2 * quiet;
  auto light = [&](int x, int y) {
    int mx = x - quiet;
    int my = y - quiet;
    if (mx < 0 || my < 0 || mx >= matrix.size || my >= matrix.size) return true;
    return !matrix.Dark(mx, my);
  };
  std::string out;
  for (int y = 0; y < size; y += 2) {
    for (int x = 0; x < size; ++x) {
      const bool top = light(x, y);
      const bool bottom = y + 1 < size ? light(x, y + 1) : false;
      out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    out += '\n';
  }
  return out;
}

}  // namespace sigil::client
