#include "daemon/printing/cups/cups_raster.hpp"

#include <cups/raster.h>

#include <cstring>

namespace certprint::printing::cups {
namespace {

ssize_t append(void* ctx, unsigned char* buffer, size_t length) {
  static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(buffer), length);
  return static_cast<ssize_t>(length);
}

struct Reader {
  const std::string* data;
  std::size_t pos = 0;
};

ssize_t read_from(void* ctx, unsigned char* buffer, size_t length) {
  auto* r = static_cast<Reader*>(ctx);
  const std::size_t n = std::min(length, r->data->size() - r->pos);
  std::memcpy(buffer, r->data->data() + r->pos, n);
  r->pos += n;
  return static_cast<ssize_t>(n);
}

}  // namespace

Result<std::string> to_cups_raster(const layout::Raster& raster) {
  std::string out;
  cups_raster_t* r = cupsRasterOpenIO(append, &out, CUPS_RASTER_WRITE_COMPRESSED);
  if (!r) return Error{"libcups: cannot open a raster stream"};
  cups_page_header2_t h;
  std::memset(&h, 0, sizeof h);
  std::strncpy(h.MediaClass, "PwgRaster", sizeof h.MediaClass - 1);
  h.HWResolution[0] = static_cast<unsigned>(raster.res.x_dpi);
  h.HWResolution[1] = static_cast<unsigned>(raster.res.y_dpi);
  h.PageSize[0] = static_cast<unsigned>(raster.width * 72.0 / raster.res.x_dpi + 0.5);
  h.PageSize[1] = static_cast<unsigned>(raster.height * 72.0 / raster.res.y_dpi + 0.5);
  h.cupsPageSize[0] = static_cast<float>(raster.width * 72.0 / raster.res.x_dpi);
  h.cupsPageSize[1] = static_cast<float>(raster.height * 72.0 / raster.res.y_dpi);
  h.ImagingBoundingBox[2] = h.PageSize[0];
  h.ImagingBoundingBox[3] = h.PageSize[1];
  h.NumCopies = 1;
  h.cupsWidth = static_cast<unsigned>(raster.width);
  h.cupsHeight = static_cast<unsigned>(raster.height);
  h.cupsBitsPerColor = 1;
  h.cupsBitsPerPixel = 1;
  h.cupsBytesPerLine = static_cast<unsigned>(raster.stride);
  h.cupsColorOrder = CUPS_ORDER_CHUNKED;
  h.cupsColorSpace = CUPS_CSPACE_K;
  h.cupsNumColors = 1;
  h.cupsInteger[0] = 1;  // total pages, as PWG raster writers set it
  bool ok = cupsRasterWriteHeader2(r, &h) != 0;
  for (int y = 0; ok && y < raster.height; ++y) {
    auto* row =
        const_cast<unsigned char*>(&raster.bits[static_cast<std::size_t>(y) * raster.stride]);
    ok = cupsRasterWritePixels(r, row, static_cast<unsigned>(raster.stride)) ==
         static_cast<unsigned>(raster.stride);
  }
  cupsRasterClose(r);
  if (!ok) return Error{"libcups: writing the raster stream failed"};
  return out;
}

std::vector<std::pair<std::string, std::string>> passbook_options(issuance::PageKind kind,
                                                                  int bidi_offset) {
  if (kind == issuance::PageKind::page5) return {{"Direction", "Unidirectional"}};
  return {{"BidiOffset", std::to_string(bidi_offset)}};
}

Result<PageJob> page_job(DocumentFormat format, const std::string& pdf,
                         const std::optional<layout::Raster>& raster, double width_mm,
                         double height_mm) {
  PageJob job;
  job.format = format;
  job.width_mm = width_mm;
  job.height_mm = height_mm;
  if (format == DocumentFormat::pdf) {
    if (pdf.empty()) return Error{"the page was not drawn as PDF"};
    job.document = pdf;
  } else {
    if (!raster) return Error{"the page was not drawn as a raster"};
    auto stream = to_cups_raster(*raster);
    if (!stream) return stream.error();
    job.document = std::move(*stream);
  }
  return job;
}

Result<layout::Raster> from_cups_raster(const std::string& stream) {
  Reader reader{&stream};
  cups_raster_t* r = cupsRasterOpenIO(read_from, &reader, CUPS_RASTER_READ);
  if (!r) return Error{"not a CUPS raster stream"};
  cups_page_header2_t h;
  if (!cupsRasterReadHeader2(r, &h)) {
    cupsRasterClose(r);
    return Error{"CUPS raster stream has no page header"};
  }
  if (h.cupsBitsPerPixel != 1 || h.cupsWidth == 0 || h.cupsHeight == 0 || h.cupsWidth > 20000 ||
      h.cupsHeight > 40000 || h.cupsBytesPerLine != (h.cupsWidth + 7) / 8) {
    cupsRasterClose(r);
    return Error{"CUPS raster page is not a 1-bit page of sane size"};
  }
  auto out = layout::Raster::blank(
      static_cast<int>(h.cupsWidth), static_cast<int>(h.cupsHeight),
      {static_cast<int>(h.HWResolution[0]), static_cast<int>(h.HWResolution[1])});
  for (int y = 0; y < out.height; ++y) {
    if (cupsRasterReadPixels(r, &out.bits[static_cast<std::size_t>(y) * out.stride],
                             static_cast<unsigned>(out.stride)) !=
        static_cast<unsigned>(out.stride)) {
      cupsRasterClose(r);
      return Error{"CUPS raster stream ends early at row " + std::to_string(y)};
    }
  }
  cupsRasterClose(r);
  return out;
}

}  // namespace certprint::printing::cups
