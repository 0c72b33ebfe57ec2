"""eval_vqa"""
