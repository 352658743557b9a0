import { Compliance, route } from "@keyhold/core";

export const overview = route("compliance.overview", ({ ctx }) => Compliance.overview(ctx));

export const branch = route("compliance.branch", ({ ctx, params }) => Compliance.branchDetail(ctx, params.id));

export const report = route("compliance.report", ({ ctx, query }) => Compliance.monthlyReport(ctx, query));

export const register = route("compliance.register", ({ ctx }) => Compliance.processingRegister(ctx));
