// Shared gtest main: keeps SIGPIPE from killing a test when a peer closes a socket.
#include <csignal>
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
