/* Direct kernel boot, as QEMU's -kernel does it: the Multiboot v1 protocol
 * (ELF kernels and the a.out kludge, command line, modules, memory map) and
 * the Linux 32-bit boot protocol (Documentation/x86/boot.rst: zero page,
 * command line, initrd, E820 map). Entered from INT 19h once POST has set up
 * the hardware. */
#include "bios/kboot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bios/bios_priv.h"
#include "cpu/cpu_priv.h"
#include "cpu/protect.h"

#define MB_MAGIC      0x1BADB002u
#define MB_BOOT_MAGIC 0x2BADB002u

/* Fixed low-memory layout used while entering the kernel. */
#define KB_GDT         0x12000u /* null, null, 0x10 flat code, 0x18 flat data */
#define KB_ZERO_PAGE   0x10000u
#define KB_CMDLINE     0x20000u
#define KB_CMDLINE_MAX 0x10000u
#define KB_MBI         0x9000u
#define KB_MB_MMAP     0x9400u
#define KB_MB_MODS     0x9800u
#define KB_MB_NAME     0x9F00u

struct kfile {
    uint8_t *data;
    size_t size;
    char *args; /* Multiboot module command line */
};

struct kboot {
    struct kfile kernel;
    struct kfile mods[16];
    int nmods;
    bool linux_kernel;
    /* Multiboot header fields */
    uint32_t mb_flags, header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
    uint32_t mb_header_off;
};

static int read_file(struct machine *m, const char *path, const char *what, struct kfile *f)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return machine_error(m, "cannot open %s '%s'", what, path);
    if (fseek(fp, 0, SEEK_END) != 0) {
        fclose(fp);
        return machine_error(m, "cannot read %s '%s'", what, path);
    }
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    if (size <= 0 || (uint64_t)size >= m->mem.ram_size) {
        fclose(fp);
        return machine_error(m, "%s '%s' is %s for %u MB of guest RAM", what, path,
                             size <= 0 ? "empty" : "too large", m->mem.ram_size >> 20);
    }
    f->data = malloc((size_t)size);
    if (!f->data || fread(f->data, 1, (size_t)size, fp) != (size_t)size) {
        fclose(fp);
        free(f->data);
        f->data = NULL;
        return machine_error(m, "cannot read %s '%s'", what, path);
    }
    fclose(fp);
    f->size = (size_t)size;
    return 0;
}

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Multiboot: the header is in the first 8 KB, 4-byte aligned. */
static bool find_multiboot(struct kboot *k)
{
    size_t lim = k->kernel.size < 8192 ? k->kernel.size : 8192;
    for (size_t off = 0; off + 12 <= lim; off += 4) {
        const uint8_t *p = k->kernel.data + off;
        if (rd32(p) != MB_MAGIC || rd32(p) + rd32(p + 4) + rd32(p + 8) != 0)
            continue;
        k->mb_flags = rd32(p + 4);
        k->mb_header_off = (uint32_t)off;
        if ((k->mb_flags & 0x10000) && off + 32 <= lim) {
            k->header_addr = rd32(p + 12);
            k->load_addr = rd32(p + 16);
            k->load_end_addr = rd32(p + 20);
            k->bss_end_addr = rd32(p + 24);
            k->entry_addr = rd32(p + 28);
        }
        return true;
    }
    return false;
}

static bool is_elf32(const struct kfile *f)
{
    return f->size >= 52 &&
           !memcmp(f->data,
                   "\x7f"
                   "ELF",
                   4) &&
           f->data[4] == 1 && rd16(f->data + 18) == 3;
}

/* Check every loadable piece fits in guest RAM before the guest starts. */
static int check_elf(struct machine *m, const struct kfile *f, const char *path)
{
    uint32_t phoff = rd32(f->data + 28);
    uint16_t phentsize = rd16(f->data + 42), phnum = rd16(f->data + 44);
    if (phentsize < 32 || (uint64_t)phoff + (uint64_t)phnum * phentsize > f->size)
        return machine_error(m, "kernel '%s' has a corrupt ELF program header table", path);
    int loads = 0;
    for (unsigned n = 0; n < phnum; n++) {
        const uint8_t *ph = f->data + phoff + n * phentsize;
        if (rd32(ph) != 1)
            continue;
        uint32_t off = rd32(ph + 4), paddr = rd32(ph + 12), filesz = rd32(ph + 16), memsz = rd32(ph + 20);
        if ((uint64_t)off + filesz > f->size || filesz > memsz)
            return machine_error(m, "kernel '%s' has a corrupt ELF segment", path);
        if ((uint64_t)paddr + memsz > m->mem.ram_size || paddr < 0x100000)
            return machine_error(m, "kernel '%s' loads outside guest RAM (0x%x-0x%llx)", path, paddr,
                                 (unsigned long long)paddr + memsz);
        loads++;
    }
    if (!loads)
        return machine_error(m, "kernel '%s' has nothing to load", path);
    return 0;
}

int kboot_init(struct machine *m)
{
    if (!m->cfg.kernel)
        return 0;
    struct kboot *k = calloc(1, sizeof(*k));
    if (!k)
        return machine_error(m, "out of memory");
    m->kboot = k;
    const char *path = m->cfg.kernel;
    if (read_file(m, path, "kernel", &k->kernel) < 0)
        return -1;
    const uint8_t *d = k->kernel.data;
    if (k->kernel.size > 0x300 && !memcmp(d + 0x202, "HdrS", 4) && rd16(d + 0x1FE) == 0xAA55) {
        k->linux_kernel = true;
        if (rd16(d + 0x206) < 0x0204 || !(d[0x211] & 1))
            return machine_error(m, "kernel '%s' is not a bzImage of boot protocol 2.04 or later", path);
        unsigned setup = d[0x1F1] ? d[0x1F1] : 4;
        if ((size_t)(setup + 1) * 512 >= k->kernel.size)
            return machine_error(m, "kernel '%s' is truncated", path);
        if (m->cfg.initrd && read_file(m, m->cfg.initrd, "initrd", &k->mods[0]) < 0)
            return -1;
        k->nmods = m->cfg.initrd ? 1 : 0;
        return 0;
    }
    if (!find_multiboot(k))
        return machine_error(m, "kernel '%s' is neither a Linux bzImage nor a Multiboot kernel", path);
    if (k->mb_flags & 0x10000) {
        if (k->load_addr > k->header_addr || k->header_addr - k->load_addr > k->mb_header_off ||
            (k->load_end_addr && k->load_end_addr < k->load_addr) || k->bss_end_addr > m->mem.ram_size ||
            (k->load_end_addr ? k->load_end_addr : k->load_addr + k->kernel.size) > m->mem.ram_size)
            return machine_error(m, "kernel '%s' has an impossible Multiboot load address", path);
    } else if (!is_elf32(&k->kernel)) {
        return machine_error(m, "kernel '%s' is a Multiboot kernel but not a 32-bit ELF file", path);
    } else if (check_elf(m, &k->kernel, path) < 0) {
        return -1;
    }
    /* Modules: "-initrd 'file args,file2 args'" as QEMU spells them. */
    if (m->cfg.initrd) {
        char *list = strdup(m->cfg.initrd);
        char *save = NULL;
        for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (k->nmods >= (int)(sizeof(k->mods) / sizeof(k->mods[0]))) {
                free(list);
                return machine_error(m, "too many Multiboot modules (at most 16)");
            }
            struct kfile *f = &k->mods[k->nmods];
            f->args = strdup(tok);
            char *sp = strchr(tok, ' ');
            if (sp)
                *sp = 0;
            if (read_file(m, tok, "Multiboot module", f) < 0) {
                free(list);
                return -1;
            }
            k->nmods++;
        }
        free(list);
    }
    return 0;
}

void kboot_free(struct machine *m)
{
    struct kboot *k = m->kboot;
    if (!k)
        return;
    free(k->kernel.data);
    for (int n = 0; n < k->nmods; n++) {
        free(k->mods[n].data);
        free(k->mods[n].args);
    }
    free(k);
    m->kboot = NULL;
}

/* Flat 32-bit protected mode, as both protocols require: CS 0x10 and data
 * 0x18 from a small GDT, A20 on, paging and interrupts off. */
static void enter_flat32(struct machine *m, uint32_t eip)
{
    static const uint8_t gdt[32] = {
        0,    0,    0, 0, 0,    0,    0,    0, 0, 0,    0,    0,
        0,    0,    0, 0, 0xFF, 0xFF, 0,    0, 0, 0x9B, 0xCF, 0, /* 0x10: code, base 0, 4 GB */
        0xFF, 0xFF, 0, 0, 0,    0x93, 0xCF, 0,                   /* 0x18: data, base 0, 4 GB */
    };
    mem_write_block(m, KB_GDT, gdt, sizeof(gdt));
    mem_set_a20(m, true);
    struct cpu *c = &m->cpu;
    c->gdtr.base = KB_GDT;
    c->gdtr.limit = sizeof(gdt) - 1;
    c->cr[0] |= CR0_PE;
    c->cr[0] &= ~CR0_PG;
    c->cpl = 0;
    c->lf.op = LF_NONE;
    c->eflags = 0x2;
    struct desc d;
    d.lo = rd32(gdt + 16);
    d.hi = rd32(gdt + 20);
    desc_parse(&d);
    seg_load_desc(c, S_CS, 0x10, &d);
    d.lo = rd32(gdt + 24);
    d.hi = rd32(gdt + 28);
    desc_parse(&d);
    for (int s = 0; s < 6; s++)
        if (s != S_CS)
            seg_load_desc(c, s, 0x18, &d);
    cpu_update_hflags(c);
    cpu_tlb_flush(c);
    c->eip = eip;
}

static uint32_t cmdline_write(struct machine *m, uint32_t addr, const char *prefix, const char *append)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s%s%s", prefix ? prefix : "", prefix && append && *append ? " " : "",
             append ? append : "");
    mem_write_block(m, addr, buf, (uint32_t)strlen(buf) + 1);
    return (uint32_t)strlen(buf) + 1;
}

static void start_linux(struct machine *m, struct kboot *k)
{
    const uint8_t *d = k->kernel.data;
    unsigned setup = d[0x1F1] ? d[0x1F1] : 4;
    size_t pm_off = (size_t)(setup + 1) * 512;
    uint32_t load = 0x100000;
    mem_write_block(m, load, d + pm_off, (uint32_t)(k->kernel.size - pm_off));

    uint8_t zp[4096];
    memset(zp, 0, sizeof(zp));
    /* The setup header as the file has it, then the loader's fields. */
    size_t hdr_end = 0x202 + (size_t)(int8_t)d[0x201];
    if (hdr_end > sizeof(zp) || hdr_end < 0x202)
        hdr_end = 0x268;
    memcpy(zp + 0x1F1, d + 0x1F1, hdr_end - 0x1F1);
    zp[0x210] = 0xFF;  /* type_of_loader: undefined loader */
    zp[0x211] |= 0x80; /* CAN_USE_HEAP */
    wr16(zp + 0x224, 0xFE00);
    uint32_t cmdmax = rd16(d + 0x206) >= 0x0206 ? rd32(d + 0x238) : 255;
    if (cmdmax > KB_CMDLINE_MAX - 1)
        cmdmax = KB_CMDLINE_MAX - 1;
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "%s", m->cfg.append ? m->cfg.append : "");
    if (strlen(cmd) > cmdmax)
        cmd[cmdmax] = 0;
    mem_write_block(m, KB_CMDLINE, cmd, (uint32_t)strlen(cmd) + 1);
    wr32(zp + 0x228, KB_CMDLINE);
    if (k->nmods) {
        uint32_t max = rd32(d + 0x22C);
        if (max == 0 || max >= m->mem.ram_size)
            max = m->mem.ram_size - 1;
        uint32_t addr = (uint32_t)((max + 1 - k->mods[0].size) & ~0xFFFull);
        mem_write_block(m, addr, k->mods[0].data, (uint32_t)k->mods[0].size);
        wr32(zp + 0x218, addr);
        wr32(zp + 0x21C, (uint32_t)k->mods[0].size);
    }
    /* screen_info: an 80x25 VGA text console. */
    zp[0x06] = 3;
    zp[0x07] = 80;
    zp[0x0E] = 25;
    zp[0x0F] = 1;
    wr16(zp + 0x10, 16);
    wr32(zp + 0x1E0, (m->mem.ram_size >> 10) - 1024); /* alt_mem_k */
    struct e820 e[8];
    int n = bios_e820_map(m, e);
    zp[0x1E8] = (uint8_t)n;
    for (int j = 0; j < n; j++) {
        uint8_t *r = zp + 0x2D0 + 20 * j;
        wr32(r, (uint32_t)e[j].base);
        wr32(r + 4, (uint32_t)(e[j].base >> 32));
        wr32(r + 8, (uint32_t)e[j].len);
        wr32(r + 12, (uint32_t)(e[j].len >> 32));
        wr32(r + 16, e[j].type);
    }
    mem_write_block(m, KB_ZERO_PAGE, zp, sizeof(zp));
    enter_flat32(m, rd32(d + 0x214) ? rd32(d + 0x214) : load);
    struct cpu *c = &m->cpu;
    c->ESI = KB_ZERO_PAGE;
    c->EBP = c->EDI = c->EBX = 0;
}

static void load_elf(struct machine *m, const struct kfile *f)
{
    uint32_t phoff = rd32(f->data + 28);
    uint16_t phentsize = rd16(f->data + 42), phnum = rd16(f->data + 44);
    static const uint8_t zero[4096];
    for (unsigned n = 0; n < phnum; n++) {
        const uint8_t *ph = f->data + phoff + n * phentsize;
        if (rd32(ph) != 1)
            continue;
        uint32_t off = rd32(ph + 4), paddr = rd32(ph + 12), filesz = rd32(ph + 16), memsz = rd32(ph + 20);
        mem_write_block(m, paddr, f->data + off, filesz);
        for (uint32_t z = filesz; z < memsz;) {
            uint32_t len = memsz - z < sizeof(zero) ? memsz - z : (uint32_t)sizeof(zero);
            mem_write_block(m, paddr + z, zero, len);
            z += len;
        }
    }
}

static void start_multiboot(struct machine *m, struct kboot *k)
{
    uint32_t entry, end;
    if (k->mb_flags & 0x10000) {
        uint32_t file_off = k->mb_header_off - (k->header_addr - k->load_addr);
        uint32_t len =
            k->load_end_addr ? k->load_end_addr - k->load_addr : (uint32_t)k->kernel.size - file_off;
        if (file_off + (uint64_t)len > k->kernel.size)
            len = (uint32_t)k->kernel.size - file_off;
        mem_write_block(m, k->load_addr, k->kernel.data + file_off, len);
        end = k->load_addr + len;
        static const uint8_t zero[4096];
        for (uint32_t a = end; a < k->bss_end_addr;) {
            uint32_t n = k->bss_end_addr - a < sizeof(zero) ? k->bss_end_addr - a : (uint32_t)sizeof(zero);
            mem_write_block(m, a, zero, n);
            a += n;
        }
        if (k->bss_end_addr > end)
            end = k->bss_end_addr;
        entry = k->entry_addr;
    } else {
        load_elf(m, &k->kernel);
        entry = rd32(k->kernel.data + 24);
        end = 0x100000;
        const struct kfile *f = &k->kernel;
        uint32_t phoff = rd32(f->data + 28);
        uint16_t phentsize = rd16(f->data + 42), phnum = rd16(f->data + 44);
        for (unsigned n = 0; n < phnum; n++) {
            const uint8_t *ph = f->data + phoff + n * phentsize;
            if (rd32(ph) == 1 && rd32(ph + 12) + rd32(ph + 20) > end)
                end = rd32(ph + 12) + rd32(ph + 20);
        }
    }
    uint8_t mbi[88];
    memset(mbi, 0, sizeof(mbi));
    uint32_t flags = 0x1 | 0x4 | 0x40 | 0x200;
    wr32(mbi + 4, 640);
    wr32(mbi + 8, (m->mem.ram_size >> 10) - 1024);
    uint32_t cmd = KB_CMDLINE;
    cmdline_write(m, cmd, m->cfg.kernel, m->cfg.append);
    wr32(mbi + 16, cmd);
    /* Modules go above the kernel, page-aligned, with their command lines. */
    uint32_t at = (end + 0xFFF) & ~0xFFFu;
    uint32_t cmd_at = KB_CMDLINE + 0x1000;
    for (int n = 0; n < k->nmods; n++) {
        const struct kfile *f = &k->mods[n];
        mem_write_block(m, at, f->data, (uint32_t)f->size);
        uint32_t len = cmdline_write(m, cmd_at, f->args, NULL);
        uint8_t rec[16];
        wr32(rec, at);
        wr32(rec + 4, at + (uint32_t)f->size);
        wr32(rec + 8, cmd_at);
        wr32(rec + 12, 0);
        mem_write_block(m, KB_MB_MODS + 16u * (uint32_t)n, rec, 16);
        at = (at + (uint32_t)f->size + 0xFFF) & ~0xFFFu;
        cmd_at += (len + 15) & ~15u;
    }
    if (k->nmods) {
        flags |= 0x8;
        wr32(mbi + 20, (uint32_t)k->nmods);
        wr32(mbi + 24, KB_MB_MODS);
    }
    struct e820 e[8];
    int n = bios_e820_map(m, e);
    for (int j = 0; j < n; j++) {
        uint8_t r[24];
        wr32(r, 20);
        wr32(r + 4, (uint32_t)e[j].base);
        wr32(r + 8, (uint32_t)(e[j].base >> 32));
        wr32(r + 12, (uint32_t)e[j].len);
        wr32(r + 16, (uint32_t)(e[j].len >> 32));
        wr32(r + 20, e[j].type);
        mem_write_block(m, KB_MB_MMAP + 24u * (uint32_t)j, r, 24);
    }
    wr32(mbi + 44, 24u * (uint32_t)n);
    wr32(mbi + 48, KB_MB_MMAP);
    static const char name[] = "rex86";
    mem_write_block(m, KB_MB_NAME, name, sizeof(name));
    wr32(mbi + 64, KB_MB_NAME);
    wr32(mbi, flags);
    mem_write_block(m, KB_MBI, mbi, sizeof(mbi));
    enter_flat32(m, entry);
    m->cpu.EAX = MB_BOOT_MAGIC;
    m->cpu.EBX = KB_MBI;
}

bool kboot_start(struct machine *m)
{
    struct kboot *k = m->kboot;
    if (!k)
        return false;
    /* A20 first: the kernel loads above 1 MB. */
    mem_set_a20(m, true);
    if (k->linux_kernel)
        start_linux(m, k);
    else
        start_multiboot(m, k);
    return true;
}
