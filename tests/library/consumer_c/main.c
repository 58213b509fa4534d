/* A C program using the installed library: mattes one raw RGB frame (and plate) into raw alpha
   and foreground files.
   Usage: consumer_c WEIGHTS WIDTH HEIGHT FRAME.rgb PLATE.rgb|- ALPHA.out FOREGROUND.out */
#include <matte/matte_c.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned char *read_all(const char *path, size_t size) {
  unsigned char *data = malloc(size);
  FILE *f = fopen(path, "rb");
  if (!data || !f || fread(data, 1, size, f) != size) {
    fprintf(stderr, "consumer_c: cannot read %zu bytes from %s\n", size, path);
    exit(1);
  }
  fclose(f);
  return data;
}

static void write_all(const char *path, const unsigned char *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
    fprintf(stderr, "consumer_c: cannot write %s\n", path);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: consumer_c WEIGHTS WIDTH HEIGHT FRAME.rgb PLATE.rgb|- ALPHA.out FOREGROUND.out\n");
    return 2;
  }
  const int width = atoi(argv[2]), height = atoi(argv[3]);
  const size_t pixels = (size_t)width * (size_t)height;
  unsigned char *frame = read_all(argv[4], pixels * 3);
  unsigned char *plate = argv[5][0] == '-' ? NULL : read_all(argv[5], pixels * 3);
  unsigned char *alpha = malloc(pixels), *foreground = malloc(pixels * 3);
  matte_session *s = matte_session_open(argv[1], 2);
  if (!s) {
    fprintf(stderr, "consumer_c: %s\n", matte_last_error());
    return 1;
  }
  printf("%s %s %d\n", matte_version(), matte_session_architecture(s), matte_session_needs_plate(s));
  if (matte_process_rgb8(s, frame, width, height, (size_t)width * 3, plate, (size_t)width * 3, alpha, foreground) !=
      MATTE_OK) {
    fprintf(stderr, "consumer_c: %s\n", matte_last_error());
    return 1;
  }
  write_all(argv[6], alpha, pixels);
  write_all(argv[7], foreground, pixels * 3);
  matte_session_close(s);
  free(frame);
  free(plate);
  free(alpha);
  free(foreground);
  return 0;
}
