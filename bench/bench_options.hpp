// Every benchmark's command line (Boost.Program_options, as the programs
// use): --help prints a usage line, what the benchmark measures, its options
// and an example, and exits 0; an option it does not have, a stray argument
// or a value out of range is refused naming it, exit status 2.
#pragma once

#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace certprint::bench {

namespace po = boost::program_options;

struct Usage {
  const char* name;     // the program, as in "usage: NAME [options]"
  const char* what;     // what it measures, a few lines
  const char* example;  // one command line
};

// Parses argv against `options` (plus --help); exits as said above.
inline po::variables_map parse_options(int argc, char** argv, const Usage& usage,
                                       po::options_description options) {
  options.add_options()("help,h", "show this help");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "%s: %s (see %s --help)\n", usage.name, e.what(), usage.name);
    std::exit(2);
  }
  if (vm.count("help")) {
    std::cout << "usage: " << usage.name << " [options]\n\n"
              << usage.what << "\n\n"
              << options << "\nexample:\n  " << usage.example << "\n";
    std::exit(0);
  }
  return vm;
}

// The int option `name`, refused (exit 2) below `least`.
inline int at_least(const po::variables_map& vm, const Usage& usage, const char* name, int least) {
  const int value = vm[name].as<int>();
  if (value < least) {
    std::fprintf(stderr, "%s: --%s %d: expected at least %d\n", usage.name, name, value, least);
    std::exit(2);
  }
  return value;
}

}  // namespace certprint::bench
