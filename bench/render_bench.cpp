// Render throughput: N booklets (token, info page and page 5, each as PDF and
// as 180-dpi raster) on one thread, against the target of 100 booklets/s.
//
//   build/bench/render_bench [--booklets N] [--sample FILE]   (--help)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench_options.hpp"
#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"

using namespace certprint;

int main(int argc, char** argv) {
  const bench::Usage usage{
      "render_bench",
      "Renders N booklets (a fresh token, the info page and page 5, each as PDF and as\n"
      "180-dpi raster, different names every booklet) on one thread; prints booklets\n"
      "per second, peak memory and the ratio to the target of 100 booklets/s.",
      "build/bench/render_bench --booklets 1000"};
  bench::po::options_description cli("render_bench options");
  cli.add_options()("booklets", bench::po::value<int>()->default_value(400), "booklets to render")(
      "sample",
      bench::po::value<std::string>()->default_value(std::string(CERTPRINT_SOURCE_DATA_DIR) +
                                                     "/samples/marriage.json"),
      "the issuance whose male booklet is rendered, names varied");
  const auto vm = bench::parse_options(argc, argv, usage, cli);
  const int booklets = bench::at_least(vm, usage, "booklets", 1);
  const std::string sample = vm["sample"].as<std::string>();
  const issuance::ValidationOptions validation{issuance::Date{2026, 11, 28}};
  auto record = issuance::load_issuance_file(sample, validation);
  if (!record) {
    std::fprintf(stderr, "%s\n", record.error().message.c_str());
    return 1;
  }
  token::Key key;
  key.id = 1;
  key.secret.fill(0x5a);
  const auto keys = token::KeyRing::from_keys({key});
  auto tmpl = booklet::load_template_for(std::string(CERTPRINT_SOURCE_DATA_DIR) + "/templates",
                                         record->kind);
  if (!tmpl) {
    std::fprintf(stderr, "%s\n", tmpl.error().message.c_str());
    return 1;
  }
  auto renderer = booklet::BookletRenderer::create(std::move(*tmpl));
  if (!renderer) {
    std::fprintf(stderr, "%s\n", renderer.error().message.c_str());
    return 1;
  }
  booklet::RenderOptions options;
  options.device = {{180, 180}};
  const auto holders = record->holders();
  const auto random = system_random();

  // Every booklet gets other names, drawn from common surnames and given-name
  // characters, so the PDF font subset keeps meeting characters it lacks, as
  // it would over a day of real registrations.
  static const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                    "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"};
  static const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋",
                                 "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平",
                                 "刚", "桂", "英", "华", "玉", "萍", "红", "鹏", "建", "文",
                                 "辉", "力", "宇", "欣", "梅", "琳", "晨", "浩", "婷", "雪",
                                 "峰", "博", "睿", "嘉", "怡", "子", "思", "雨"};
  auto name = [](unsigned i) {
    return std::string(kSurnames[i % 20]) + kGiven[(i / 20) % 48] + kGiven[(i * 7 + 3) % 48];
  };

  auto run = [&](int n) -> std::size_t {
    std::size_t bytes = 0;
    issuance::Issuance rec = *record;
    for (int i = 0; i < n; ++i) {
      const auto h = holders[static_cast<std::size_t>(i) % holders.size()];
      rec.male.name = name(static_cast<unsigned>(2 * i));
      rec.female.name = name(static_cast<unsigned>(2 * i + 1));
      auto tok = booklet::issue_booklet_token(keys, rec, h, random);
      auto pages = tok ? (*renderer)->render_booklet(rec, h, *tok, options)
                       : Result<std::vector<booklet::RenderedPage>>(tok.error());
      if (!pages) {
        std::fprintf(stderr, "render failed: %s\n", pages.error().message.c_str());
        std::exit(1);
      }
      for (const auto& p : *pages) bytes += p.pdf.size() + p.raster->bits.size();
    }
    return bytes;
  };

  run(5);  // warm-up: font loading, caches
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t bytes = run(booklets);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);

  const double per_second = booklets / seconds;
  constexpr double kTarget = 100.0;
  std::printf("render_bench: %d booklets (info + page 5, PDF + 180-dpi raster each) in %.3f s\n",
              booklets, seconds);
  std::printf("  booklets/s           %.1f\n", per_second);
  std::printf("  ms per booklet       %.2f\n", 1000.0 * seconds / booklets);
  std::printf("  output bytes/booklet %zu\n", bytes / static_cast<std::size_t>(booklets));
  std::printf("  peak RSS             %.1f MiB\n", ru.ru_maxrss / 1024.0);
  std::printf("  ratio to target (%.0f booklets/s): %.2fx %s\n", kTarget, per_second / kTarget,
              per_second >= kTarget ? "(meets target)" : "(BELOW target)");
  return 0;
}
